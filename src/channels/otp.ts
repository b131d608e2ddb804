/**
 * Optional self-approval by one-time code (`otp_self_approval`, off by default). The code is a
 * credential: it is shown only to admin connections (never broadcast, unlike the original),
 * lives 300 s, allows 3 tries, then locks the sender out for `otp_cooldown_secs`.
 */
import { timingSafeEqual } from 'node:crypto';

export const OTP_TTL_MS = 300_000;
export const OTP_MAX_TRIES = 3;

interface Challenge { code: string; expiresAt: number; tries: number; lockedUntil: number }

/** What happened to a typed code. */
export type OtpCheck =
  | { result: 'ok' }
  | { result: 'wrong'; remaining: number }
  | { result: 'locked'; untilMs: number; fresh?: true }
  | { result: 'expired' }
  | { result: 'none' };

/** Creates the challenge table; `randomInt(min, max)` is injected (tests pin it). */
export function createOtp(o: { now: () => number; randomInt: (min: number, max: number) => number; maxEntries?: number }) {
  const cap = o.maxEntries ?? 10_000;
  const table = new Map<string, Challenge>();
  const sweep = (t: number) => { for (const [k, c] of table) if (c.expiresAt <= t && c.lockedUntil <= t) table.delete(k); };
  return {
    /** A fresh code for `key`, or null while locked out or when a live code exists (or the table is full). */
    issue(key: string): { code: string; expiresAt: number } | null {
      const t = o.now();
      const c = table.get(key);
      if (c && (c.lockedUntil > t || c.expiresAt > t)) return null;
      if (!c && table.size >= cap) sweep(t);
      // Fail closed: no room means no self-approval path (the owner can still approve).
      if (!c && table.size >= cap) return null;
      const code = String(o.randomInt(100_000, 1_000_000));
      table.set(key, { code, expiresAt: t + OTP_TTL_MS, tries: 0, lockedUntil: 0 });
      return { code, expiresAt: t + OTP_TTL_MS };
    },
    /** Checks a typed code in constant time; a success consumes the challenge. */
    check(key: string, typed: string, cooldownMs: number): OtpCheck {
      const t = o.now();
      const c = table.get(key);
      if (!c) return { result: 'none' };
      if (c.lockedUntil > t) return { result: 'locked', untilMs: c.lockedUntil };
      if (c.expiresAt <= t) { table.delete(key); return { result: 'expired' }; }
      const a = Buffer.from(typed.padEnd(6, ' ').slice(0, 6));
      const ok = typed.length === 6 && timingSafeEqual(a, Buffer.from(c.code));
      if (ok) { table.delete(key); return { result: 'ok' }; }
      c.tries++;
      if (c.tries >= OTP_MAX_TRIES) { c.lockedUntil = t + cooldownMs; c.expiresAt = 0; return { result: 'locked', untilMs: c.lockedUntil, fresh: true }; }
      return { result: 'wrong', remaining: OTP_MAX_TRIES - c.tries };
    },
    /** The live code for `key` (admins see it in channels.senders.list). */
    peek(key: string): { code: string; expiresAt: number } | null {
      const c = table.get(key);
      return c && c.expiresAt > o.now() ? { code: c.code, expiresAt: c.expiresAt } : null;
    },
    forget(key: string): void { table.delete(key); },
  };
}
export type Otp = ReturnType<typeof createOtp>;
