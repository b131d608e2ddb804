/**
 * Versioned schema migrations. Each entry runs once, inside a transaction, in order; the
 * applied version is recorded in `schema_migrations`. Never edit an entry that has shipped:
 * append a new one. Timestamps are integer milliseconds since the epoch (UTC).
 */
import type Database from 'better-sqlite3';
import { AUDIT_TRIGGERS_SQL, DROP_AUDIT_TRIGGERS_SQL, GENESIS_HASH, chainHash, toChainEntry, type StoredChainRow } from './repos/audit-chain.js';

/** One migration: `sql`, then `run` (for steps SQL cannot express), in the same transaction. */
export interface Migration { version: number; name: string; sql: string; run?: (db: Database.Database) => void }

/** Chains the rows that predate the hash chain, in id order, from the genesis hash. */
function chainExistingAuditRows(db: Database.Database): void {
  const rows = db.prepare('SELECT id, event_type, actor, client_ip, detail, created_at, hash FROM auth_audit_log ORDER BY id').all() as StoredChainRow[];
  const set = db.prepare('UPDATE auth_audit_log SET hash = ? WHERE id = ?');
  db.exec(DROP_AUDIT_TRIGGERS_SQL);
  let prev = GENESIS_HASH;
  for (const r of rows) { prev = chainHash(prev, toChainEntry(r)); set.run(prev, r.id); }
  db.exec(AUDIT_TRIGGERS_SQL);
}

/**
 * Retires the separate `network_audit` table: egress requests are entries of the hash-chained
 * audit log now (type network.egress). Its rows are dropped, not copied: they were never chained,
 * so copying would certify whatever the file held (edited or not) as genuine, with timestamps
 * older than the entries around them, and up to 10,000 rows at once. What they were is kept as
 * one chained summary entry (counts and time span), so the log still says they existed.
 */
function retireNetworkAuditTable(db: Database.Database): void {
  const s = db.prepare(`SELECT COUNT(*) AS rows, COALESCE(SUM(action = 'allow'), 0) AS allow, COALESCE(SUM(action = 'deny'), 0) AS deny,
    MIN(ts) AS first, MAX(ts) AS last FROM network_audit`).get() as { rows: number; allow: number; deny: number; first: number | null; last: number | null };
  if (s.rows > 0) {
    const prev = (db.prepare('SELECT id AS seq, hash FROM auth_audit_log ORDER BY id DESC LIMIT 1').get()
      ?? db.prepare('SELECT seq, hash FROM audit_checkpoint WHERE id = 1').get()) as { seq: number; hash: string } | undefined;
    const seq = (prev?.seq ?? 0) + 1;
    const time = Date.now();
    const detail = JSON.stringify({ rows: s.rows, allow: s.allow, deny: s.deny, from: s.first, to: s.last, note: 'the old network_audit table was dropped; egress requests are network.egress entries from here on' });
    const e = { seq, time, type: 'network.audit_table_dropped', actor: 'system', ip: null, detail };
    db.prepare('INSERT INTO auth_audit_log (id, event_type, actor, client_ip, detail, created_at, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(seq, e.type, e.actor, e.ip, e.detail, e.time, chainHash(prev?.hash ?? GENESIS_HASH, e));
  }
  db.exec('DROP TABLE network_audit');
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'auth',
    sql: `
      CREATE TABLE auth_password (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Only a SHA-256 of each session token is stored: a leaked database yields no live cookie.
      CREATE TABLE auth_sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        client_ip TEXT
      ) STRICT;

      -- API keys: hash only, looked up by an indexed non-secret prefix.
      CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        label TEXT NOT NULL,
        key_prefix TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        scopes TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX idx_api_keys_prefix ON api_keys(key_prefix);

      -- Append-only: triggers refuse UPDATE and DELETE so an intruder with RPC access cannot edit history.
      CREATE TABLE auth_audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_type TEXT NOT NULL,
        client_ip TEXT,
        detail TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX idx_auth_audit_log_created ON auth_audit_log(created_at);
      CREATE TRIGGER auth_audit_log_no_update BEFORE UPDATE ON auth_audit_log
        BEGIN SELECT RAISE(ABORT, 'auth_audit_log is append-only'); END;
      CREATE TRIGGER auth_audit_log_no_delete BEFORE DELETE ON auth_audit_log
        BEGIN SELECT RAISE(ABORT, 'auth_audit_log is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'chat_sessions',
    sql: `
      CREATE TABLE chat_sessions (
        key TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'vault',
    sql: `
      -- One row: the DEK wrapped twice (password KEK, recovery KEK). The DEK itself is never stored.
      -- KDF params live beside each wrap so they can be raised later without breaking old vaults.
      CREATE TABLE vault_metadata (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        kdf_salt TEXT NOT NULL,
        kdf_params TEXT NOT NULL,
        wrapped_dek TEXT NOT NULL,
        recovery_salt TEXT NOT NULL,
        recovery_kdf_params TEXT NOT NULL,
        recovery_wrapped_dek TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Generic secret store (kind: env, provider, channel, ...). value is an AEAD blob bound to the
      -- row id; encrypted = 0 only for legacy plaintext rows, which are encrypted on unseal.
      CREATE TABLE secrets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        encrypted INTEGER NOT NULL DEFAULT 1 CHECK (encrypted IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (kind, name)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'chat_messages',
    sql: `
      ALTER TABLE chat_sessions ADD COLUMN model TEXT;
      -- content is the JSON of one AI SDK ModelMessage content (text, tool calls, tool results).
      CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_key TEXT NOT NULL REFERENCES chat_sessions(key) ON DELETE CASCADE,
        run_id TEXT,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
        content TEXT NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX idx_chat_messages_session ON chat_messages(session_key, id);
    `,
  },
  {
    version: 5,
    name: 'network_audit',
    sql: `
      -- One row per egress-proxy request (allowed or denied). Bounded: the net capability deletes
      -- the oldest rows in batches past its cap. url is kept for plain HTTP only (CONNECT is opaque).
      CREATE TABLE network_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        session_key TEXT NOT NULL,
        domain TEXT NOT NULL,
        port INTEGER NOT NULL,
        method TEXT NOT NULL,
        url TEXT,
        action TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
        reason TEXT NOT NULL,
        bytes_up INTEGER NOT NULL DEFAULT 0,
        bytes_down INTEGER NOT NULL DEFAULT 0,
        duration_ms INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX idx_network_audit_ts ON network_audit(ts);
    `,
  },
  {
    version: 6,
    name: 'passkeys',
    sql: `
      -- WebAuthn credentials of the owner. public_key is the COSE key (not a secret); counter is
      -- the authenticator's signature counter, written back after every login so a cloned
      -- authenticator whose counter goes backwards is refused.
      CREATE TABLE passkeys (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        credential_id TEXT NOT NULL UNIQUE,
        public_key BLOB NOT NULL,
        counter INTEGER NOT NULL DEFAULT 0,
        transports TEXT NOT NULL DEFAULT '[]',
        name TEXT NOT NULL,
        aaguid TEXT NOT NULL,
        backed_up INTEGER NOT NULL DEFAULT 0 CHECK (backed_up IN (0, 1)),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'cron',
    sql: `
      -- Scheduled jobs. schedule, payload, sandbox and creator are JSON; scopes is the JSON list of
      -- scopes a run may use (the creator's at creation, never more). system = 1 only for jobs the
      -- gateway itself defines (the heartbeat): no RPC or tool input reaches that column.
      CREATE TABLE cron_jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        system INTEGER NOT NULL DEFAULT 0 CHECK (system IN (0, 1)),
        schedule TEXT NOT NULL,
        payload TEXT NOT NULL,
        sandbox TEXT NOT NULL,
        delete_after_run INTEGER NOT NULL DEFAULT 0 CHECK (delete_after_run IN (0, 1)),
        creator TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        next_run_at INTEGER,
        last_run_at INTEGER,
        last_status TEXT,
        last_error TEXT,
        last_duration_ms INTEGER,
        paused TEXT
      ) STRICT;

      -- Run history, trimmed to the newest N per job by the cron capability.
      CREATE TABLE cron_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL REFERENCES cron_jobs(id) ON DELETE CASCADE,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error', 'skipped')),
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        duration_ms INTEGER,
        error TEXT,
        output TEXT,
        session_key TEXT,
        run_id TEXT
      ) STRICT;
      CREATE INDEX idx_cron_runs_job ON cron_runs(job_id, id);
    `,
  },
  {
    version: 8,
    name: 'passkeys_rp_id',
    sql: `
      -- The RP ID (host name) a passkey was registered for: it signs for that RP only, so after a
      -- host change the owner must see which passkeys belong to the old name. NULL: registered
      -- before this column existed (unknown).
      ALTER TABLE passkeys ADD COLUMN rp_id TEXT;
    `,
  },
  {
    version: 9,
    name: 'audit_chain',
    sql: `
      -- Tamper evidence: each entry's hash covers the previous hash and the entry (audit-chain.ts);
      -- actor is who acted (credential, session, channel sender, system). Rows before this
      -- migration are chained by its run step, in id order.
      ALTER TABLE auth_audit_log ADD COLUMN actor TEXT;
      ALTER TABLE auth_audit_log ADD COLUMN hash TEXT;
      -- Retention prunes from the start; the last pruned entry's seq and hash anchor the rest.
      CREATE TABLE audit_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        pruned_at INTEGER NOT NULL
      ) STRICT;
    `,
    run: chainExistingAuditRows,
  },
  {
    version: 10,
    name: 'channels',
    sql: `
      -- Channel accounts added at runtime (moltis.toml accounts are not copied here). config is the
      -- JSON of the non-secret settings only: tokens live in the vault (kind "channel").
      CREATE TABLE channel_accounts (
        type TEXT NOT NULL CHECK (type IN ('telegram', 'slack')),
        account_id TEXT NOT NULL,
        config TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (type, account_id)
      ) STRICT;

      -- Who may talk through a channel, keyed on the platform's immutable id (never a username).
      -- kind "group" rows are group chats / Slack channels, approved like senders. preview is the
      -- first message, cut short: enough for the owner to decide, never a message log.
      CREATE TABLE channel_senders (
        type TEXT NOT NULL,
        account_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
        username TEXT,
        display_name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
        level TEXT CHECK (level IN ('read-only', 'execute', 'admin')),
        chat_id TEXT,
        chat_type TEXT,
        message_count INTEGER NOT NULL DEFAULT 0,
        first_seen_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        preview TEXT NOT NULL DEFAULT '',
        notified INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1)),
        decided_at INTEGER,
        PRIMARY KEY (type, account_id, sender_id)
      ) STRICT;
      CREATE INDEX idx_channel_senders_status ON channel_senders(type, account_id, status, first_seen_at);
    `,
  },
  {
    version: 11,
    name: 'llm_providers',
    sql: `
      -- Model providers added at runtime (Settings > Models); moltis.toml's [providers.*] stay in
      -- the file. No key column: API keys live in the vault (secrets kind 'provider').
      CREATE TABLE llm_providers (
        name TEXT PRIMARY KEY,
        base_url TEXT,
        models TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      -- Small gateway-wide model choices, e.g. default_model = "provider/model".
      CREATE TABLE llm_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 12,
    name: 'security_alerts',
    sql: `
      -- Alerts raised by the audit rule engine; evidence is a JSON array of audit entry ids.
      CREATE TABLE security_alerts (
        id TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'warn', 'high', 'critical')),
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL DEFAULT '[]',
        at INTEGER NOT NULL,
        acked_at INTEGER,
        acked_by TEXT
      ) STRICT;
      CREATE INDEX idx_security_alerts_at ON security_alerts(at);
    `,
  },
  {
    version: 13,
    name: 'audit_seal_and_command_shapes',
    sql: `
      -- The signed seal of the audit log (src/audit/seal.ts): an Ed25519 signature, by a key kept
      -- outside the database, over the prune checkpoint and one entry (the anchor) at signing time.
      -- One row: the newest seal replaces the previous one.
      CREATE TABLE audit_seal (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        checkpoint_seq INTEGER,
        checkpoint_hash TEXT,
        anchor_seq INTEGER,
        anchor_hash TEXT,
        signed_at INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      ) STRICT;
      -- Command shapes (program names) seen per session family, for exec.unusual_command. Bounded
      -- by the repository (least recently seen rows go first); never a command line.
      CREATE TABLE exec_command_families (
        family TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        commands INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TABLE exec_command_shapes (
        family TEXT NOT NULL,
        shape TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (family, shape)
      ) STRICT;
      CREATE INDEX idx_exec_command_shapes_seen ON exec_command_shapes(family, last_seen);
    `,
  },
  {
    version: 14,
    name: 'network_audit_into_audit_log',
    sql: `
      -- Listing by type (the Audit page's filter, the network audit view) without a full scan.
      CREATE INDEX idx_auth_audit_log_type ON auth_audit_log(event_type, id);
    `,
    run: retireNetworkAuditTable,
  },
];
