import type { Db } from '../db.js';

/** A stored login session (token is never stored, only its hash). */
export interface SessionRow { id: number; token_hash: string; created_at: number; last_used_at: number; expires_at: number; client_ip: string | null }
/** A stored API key (hash only). */
export interface ApiKeyRow { id: number; label: string; key_prefix: string; key_hash: string; scopes: string; created_at: number; last_used_at: number | null; revoked_at: number | null }

/** Repository for the owner password, login sessions and API keys. */
export function createAuthRepo(db: Db) {
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
    getPasswordHash: (): string | null => (q.getPassword.get() as { password_hash: string } | undefined)?.password_hash ?? null,
    /** When the password last changed (null: no password); identities bound to a password compare it. */
    getPasswordUpdatedAt: (): number | null => (q.getPassword.get() as { updated_at: number } | undefined)?.updated_at ?? null,
    setPasswordHash: (hash: string, now: number): void => void q.upsertPassword.run({ hash, now }),
    deletePassword: (): void => void q.deletePassword.run(),

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

    insertApiKey: (k: { label: string; prefix: string; hash: string; scopes: string[]; now: number }): number =>
      Number(q.insertKey.run(k.label, k.prefix, k.hash, JSON.stringify(k.scopes), k.now).lastInsertRowid),
    apiKeysByPrefix: (prefix: string): ApiKeyRow[] => q.keysByPrefix.all(prefix) as ApiKeyRow[],
    apiKeyById: (id: number): ApiKeyRow | undefined => q.keyById.get(id) as ApiKeyRow | undefined,
    listApiKeys: (): ApiKeyRow[] => q.listKeys.all() as ApiKeyRow[],
    revokeApiKey: (id: number, now: number): boolean => q.revokeKey.run(now, id).changes > 0,
    touchApiKey: (id: number, now: number): void => void q.touchKey.run(now, id),
    revokeAllApiKeys: (now: number): void => void q.revokeAllKeys.run(now),
  };
}
export type AuthRepo = ReturnType<typeof createAuthRepo>;
