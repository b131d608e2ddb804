import { randomToken } from '../crypto/index.js';

/** Which ceremony a challenge was issued for; a challenge only finishes the ceremony it began. */
export type CeremonyKind = 'register' | 'setup' | 'auth';

/** What begin remembered for finish. */
export interface PendingChallenge {
  kind: CeremonyKind;
  /** The base64url challenge the authenticator must sign. */
  challenge: string;
  rpId: string;
  origin: string;
  /** For `register`: the credential that began it (`session:<id>`, `apikey:<id>`); else null. */
  binding: string | null;
  expiresAt: number;
}

/**
 * Pending WebAuthn challenges (invariant 5 and 6). Threat: `auth/begin` is public, so strangers
 * can create entries at will — the map is capped and swept; challenges are single use (taken
 * out on the first finish attempt, whatever its outcome), typed and expiring.
 *
 * When full, the oldest entry is dropped: a flood can make the owner retry, but can neither grow
 * memory nor stop new ceremonies from starting.
 */
export function createChallengeStore(o: { now: () => number; ttlMs: number; max: number; newId?: () => string }) {
  const pending = new Map<string, PendingChallenge>();
  const newId = o.newId ?? (() => randomToken(16));
  // Insertion order is expiry order (one TTL for all), so the sweep stops at the first live entry.
  const sweep = () => {
    const t = o.now();
    for (const [id, c] of pending) {
      if (c.expiresAt > t) break;
      pending.delete(id);
    }
  };
  return {
    /** Stores a challenge and returns its id (random, returned to the caller by begin). */
    put(c: Omit<PendingChallenge, 'expiresAt'>): { id: string; expiresAt: number } {
      sweep();
      while (pending.size >= o.max) {
        const oldest = pending.keys().next();
        if (oldest.done) break;
        pending.delete(oldest.value);
      }
      const id = newId();
      const expiresAt = o.now() + o.ttlMs;
      pending.set(id, { ...c, expiresAt });
      return { id, expiresAt };
    },
    /**
     * Removes and returns the challenge `id` if it exists, is of `kind` and has not expired.
     * It is deleted even when the kind is wrong or it has expired: one attempt per challenge.
     */
    take(id: unknown, kind: CeremonyKind): { ok: true; challenge: PendingChallenge } | { ok: false; reason: 'unknown' | 'wrong_ceremony' | 'expired' } {
      if (typeof id !== 'string' || id.length === 0 || id.length > 64) return { ok: false, reason: 'unknown' };
      const c = pending.get(id);
      if (!c) return { ok: false, reason: 'unknown' };
      pending.delete(id);
      if (c.kind !== kind) return { ok: false, reason: 'wrong_ceremony' };
      if (o.now() >= c.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, challenge: c };
    },
    size: (): number => pending.size,
    sweep,
    close(): void { pending.clear(); },
  };
}
export type ChallengeStore = ReturnType<typeof createChallengeStore>;
