/**
 * Versioned schema migrations. Each entry runs once, inside a transaction, in order; the
 * applied version is recorded in `schema_migrations`. Never edit an entry that has shipped:
 * append a new one. Timestamps are integer milliseconds since the epoch (UTC).
 */
export interface Migration { version: number; name: string; sql: string }

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
];
