import type { Db } from '../db.js';

/** A stored login session (token is never stored, only its hash). */
export interface SessionRow { id: number; token_hash: string; created_at: number; last_used_at: number; expires_at: number; client_ip: string | null }
/** A stored API key (hash only). */
export interface ApiKeyRow { id: number; label: string; key_prefix: string; key_hash: string; scopes: string; created_at: number; last_used_at: number | null; revoked_at: number | null }

// Bounds the API-key cache; only prefixes of existing keys are cached, so this is plenty.
const KEY_CACHE_MAX = 1024;
/** How often another process's writes are looked for (reading data_version costs as much as a query). */
export const EXTERNAL_CHANGE_CHECK_MS = 250;

/**
 * Repository for the owner password, login sessions and API keys.
 *
 * The password row and API-key rows are read on every authenticated request, so they are cached.
 * The cache can never outlive a change: this repository's own writes clear it, and a write by any
 * other connection (e.g. `moltis auth revoke-api-key` while the gateway runs) bumps SQLite's
 * `data_version`, which is looked at before a cached read at most every `checkMs` — so a
 * revocation from another process takes effect within that time (open WebSockets re-check
 * uncached on every request).
 */
export function createAuthRepo(db: Db, opts: { checkMs?: number; monotonicNow?: () => number } = {}) {
  const checkMs = opts.checkMs ?? EXTERNAL_CHANGE_CHECK_MS;
  const mono = opts.monotonicNow ?? (() => performance.now());
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let seenVersion = dataVersion.get() as number;
  let checkedAt = mono();
  let password: { password_hash: string; updated_at: number } | null | undefined;
  const keys = new Map<string, ApiKeyRow[]>();
  // Bumped by every invalidation: caches built on these rows (verified keys) compare it.
  let generation = 0;
  const invalidate = () => { password = undefined; keys.clear(); generation++; };
  const fresh = (now = false) => {
    const t = mono();
    if (!now && t - checkedAt < checkMs) return;
    checkedAt = t;
    const v = dataVersion.get() as number;
    if (v !== seenVersion) { seenVersion = v; invalidate(); }
  };
  const passwordRow = () => {
    fresh();
    if (password === undefined) password = (q.getPassword.get() as { password_hash: string; updated_at: number } | undefined) ?? null;
    return password;
  };
  const q = {
    getPassword: db.prepare('SELECT password_hash, updated_at FROM auth_password WHERE id = 1'),
    upsertPassword: db.prepare(`INSERT INTO auth_password (id, password_hash, created_at, updated_at) VALUES (1, @hash, @now, @now)
      ON CONFLICT(id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`),
    deletePassword: db.prepare('DELETE FROM auth_password'),
    insertSession: db.prepare('INSERT INTO auth_sessions (token_hash, created_at, last_used_at, expires_at, client_ip) VALUES (?, ?, ?, ?, ?)'),
    sessionByHash: db.prepare('SELECT * FROM auth_sessions WHERE token_hash = ?'),
    sessionById: db.prepare('SELECT * FROM auth_sessions WHERE id = ?'),
    touchSession: db.prepare('UPDATE auth_sessions SET last_used_at = ? WHERE id = ?'),
    deleteSession: db.prepare('DELETE FROM auth_sessions WHERE id = ?'),
    deleteExpired: db.prepare('DELETE FROM auth_sessions WHERE expires_at <= @now OR last_used_at <= @idleCutoff'),
    sessionIds: db.prepare('SELECT id FROM auth_sessions ORDER BY created_at ASC, id ASC'),
    deleteAllSessions: db.prepare('DELETE FROM auth_sessions'),
    insertKey: db.prepare('INSERT INTO api_keys (label, key_prefix, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)'),
    keysByPrefix: db.prepare('SELECT * FROM api_keys WHERE key_prefix = ? AND revoked_at IS NULL'),
    keyById: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
    listKeys: db.prepare('SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at DESC, id DESC'),
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touchKey: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    revokeAllKeys: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL'),
  };
  return {
    /**
     * A number that changes whenever anything cached here may have changed (own writes at once,
     * other connections' writes within `checkMs`; with `now`, checked against SQLite this instant).
     * Caches derived from these rows are valid only while it stays the same.
     */
    generation: (now = false): number => { fresh(now); return generation; },
    getPasswordHash: (): string | null => passwordRow()?.password_hash ?? null,
    /** When the password last changed (null: no password); identities bound to a password compare it. */
    getPasswordUpdatedAt: (): number | null => passwordRow()?.updated_at ?? null,
    setPasswordHash: (hash: string, now: number): void => { q.upsertPassword.run({ hash, now }); invalidate(); },
    deletePassword: (): void => { q.deletePassword.run(); invalidate(); },

    /** Inserts a session after pruning expired ones and the oldest beyond `max - 1`. Returns the id. */
    createSession: db.transaction((s: { tokenHash: string; now: number; expiresAt: number; idleCutoff: number; clientIp: string | null; max: number }): number => {
      q.deleteExpired.run({ now: s.now, idleCutoff: s.idleCutoff });
      const ids = (q.sessionIds.all() as { id: number }[]).map((r) => r.id);
      for (const id of ids.slice(0, Math.max(0, ids.length - (s.max - 1)))) q.deleteSession.run(id);
      return Number(q.insertSession.run(s.tokenHash, s.now, s.now, s.expiresAt, s.clientIp).lastInsertRowid);
    }),
    sessionByHash: (hash: string): SessionRow | undefined => q.sessionByHash.get(hash) as SessionRow | undefined,
    sessionById: (id: number): SessionRow | undefined => q.sessionById.get(id) as SessionRow | undefined,
    touchSession: (id: number, now: number): void => void q.touchSession.run(now, id),
    deleteSession: (id: number): void => void q.deleteSession.run(id),
    /** Deletes every session and returns the ids that were deleted. */
    deleteAllSessions: db.transaction((): number[] => {
      const ids = (q.sessionIds.all() as { id: number }[]).map((r) => r.id);
      q.deleteAllSessions.run();
      return ids;
    }),

    insertApiKey: (k: { label: string; prefix: string; hash: string; scopes: string[]; now: number }): number => {
      const id = Number(q.insertKey.run(k.label, k.prefix, k.hash, JSON.stringify(k.scopes), k.now).lastInsertRowid);
      invalidate();
      return id;
    },
    apiKeysByPrefix: (prefix: string): ApiKeyRow[] => {
      fresh();
      const hit = keys.get(prefix);
      if (hit) return hit;
      const rows = q.keysByPrefix.all(prefix) as ApiKeyRow[];
      // Misses are not cached: random prefixes from strangers must not fill memory.
      if (rows.length > 0) {
        if (keys.size >= KEY_CACHE_MAX) keys.clear();
        keys.set(prefix, rows);
      }
      return rows;
    },
    apiKeyById: (id: number): ApiKeyRow | undefined => q.keyById.get(id) as ApiKeyRow | undefined,
    listApiKeys: (): ApiKeyRow[] => q.listKeys.all() as ApiKeyRow[],
    revokeApiKey: (id: number, now: number): boolean => { const n = q.revokeKey.run(now, id).changes; invalidate(); return n > 0; },
    touchApiKey: (id: number, now: number): void => {
      q.touchKey.run(now, id);
      for (const rows of keys.values()) for (const r of rows) if (r.id === id) r.last_used_at = now;
    },
    revokeAllApiKeys: (now: number): void => { q.revokeAllKeys.run(now); invalidate(); },
  };
}
export type AuthRepo = ReturnType<typeof createAuthRepo>;
