import { randomToken, sha256Hex } from '../crypto/index.js';
import type { AuthRepo } from '../store/index.js';

/**
 * Login sessions: 32 random bytes in the cookie, only their SHA-256 in the database.
 * A session ends at its absolute lifetime or after `idleMs` without use.
 */
export function createSessions(deps: { repo: AuthRepo; now: () => number; ttlMs: number; idleMs: number; max: number }) {
  const { repo, now, ttlMs, idleMs, max } = deps;
  // last_used_at is written at most once a minute so that reads do not turn into writes.
  const TOUCH_EVERY_MS = 60_000;
  return {
    create(clientIp: string | null): { id: number; token: string; maxAgeSeconds: number } {
      const token = randomToken(32);
      const t = now();
      const id = repo.createSession({ tokenHash: sha256Hex(token), now: t, expiresAt: t + ttlMs, idleCutoff: t - idleMs, clientIp, max });
      return { id, token, maxAgeSeconds: Math.floor(ttlMs / 1000) };
    },
    /** The live session id for a cookie token, or null. Expired rows are deleted on sight. */
    verify(token: string): number | null {
      const row = repo.sessionByHash(sha256Hex(token));
      if (!row) return null;
      const t = now();
      if (t >= row.expires_at || t - row.last_used_at >= idleMs) {
        repo.deleteSession(row.id);
        return null;
      }
      if (t - row.last_used_at > TOUCH_EVERY_MS) repo.touchSession(row.id, t);
      return row.id;
    },
    /** Is session `id` still live? Used to re-check open WebSockets. */
    isLive(id: number): boolean {
      const row = repo.sessionById(id);
      const t = now();
      return !!row && t < row.expires_at && t - row.last_used_at < idleMs;
    },
    revoke(id: number): void { repo.deleteSession(id); },
    revokeAll(): number[] { return repo.deleteAllSessions(); },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
