/**
 * Brute-force guard for secret guesses: password login, WS `connect` with a password or API
 * key, the setup code, and the current password on password change. Keyed by client IP.
 *
 * Threat: online guessing. Each IP gets `banThreshold` consecutive failures, then a ban of
 * `banBaseMs × 2^(bans−1)` (capped at `banMaxMs`); the ban count outlives a success for
 * `memoryMs` so an attacker who sometimes gets a cheap success (e.g. its own test account on
 * a shared proxy) still escalates.
 *
 * Deliberately NO account-wide lockout. The original locked the (single) account for everyone
 * once 3 IPs failed within 15 minutes, which let any stranger lock the owner out at will.
 * With one owner account, per-IP bans plus strong passwords/keys are the right trade: a
 * distributed guesser pays a ban per address, and the owner is never locked out by others.
 */

/** Options for {@link createLoginGuard}. */
export interface LoginGuardOptions {
  /** Consecutive failures from one IP that trigger a ban (`[auth.login_guard] ban_threshold`). */
  banThreshold: number;
  /** First ban length (`ban_base_secs`). */
  banBaseMs: number;
  /** Longest ban (`ban_max_secs`). */
  banMaxMs: number;
  /** Cap on tracked IPs (`max_tracked_ips`). */
  maxTrackedIps: number;
  /** How long failures and the ban count are remembered after the last event. Default 24 h. */
  memoryMs?: number;
  now: () => number;
}

/** Result of {@link LoginGuard.check}. */
export type LoginGuardDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; reason: 'ip_banned' };

/** Result of {@link LoginGuard.recordFailure}. */
export interface FailureOutcome {
  /** The IP is banned after this call. */
  banned: boolean;
  /** Length of the ban this failure started (absent when no new ban began). */
  banMs?: number;
  /** Bans this IP has collected within the memory period. */
  bans: number;
}

/** A login guard instance; state lives only inside it. */
export interface LoginGuard {
  /** Call before verifying a secret; a denied IP must not get a verification at all. */
  check(ip: string): LoginGuardDecision;
  /** Call after a wrong secret. */
  recordFailure(ip: string): FailureOutcome;
  /** Call after a correct secret: clears the failure count and current ban, keeps the ban count. */
  recordSuccess(ip: string): void;
  /** Number of IPs tracked. */
  size(): number;
}

/** How long failures are remembered when not configured (not a config key: the ban lengths are). */
const DEFAULT_MEMORY_MS = 24 * 3_600_000;

/** Full sweep cadence, in recorded failures. */
const SWEEP_EVERY_FAILURES = 128;
/** How far from the LRU end to look for a non-banned victim when the table is full. */
const EVICTION_SCAN = 64;

interface Entry {
  failures: number;
  bans: number;
  /** Epoch ms; 0 when not banned. */
  bannedUntil: number;
  /** Entry may be forgotten from this time on (if not banned). */
  rememberUntil: number;
}

function positiveInt(name: string, value: number): number {
  // A zero or fractional threshold would ban on the first try or never; refuse the config.
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`login guard: ${name} must be a positive integer`);
  return value;
}

/** Create a per-IP brute-force guard. See the file header for the policy. */
export function createLoginGuard(options: LoginGuardOptions): LoginGuard {
  const banThreshold = positiveInt('banThreshold', options.banThreshold);
  const banBaseMs = positiveInt('banBaseMs', options.banBaseMs);
  const banMaxMs = positiveInt('banMaxMs', options.banMaxMs);
  const maxTrackedIps = positiveInt('maxTrackedIps', options.maxTrackedIps);
  const memoryMs = positiveInt('memoryMs', options.memoryMs ?? DEFAULT_MEMORY_MS);
  const { now } = options;
  // Map order is least-recently-failed first: every failure re-inserts its entry at the end.
  const entries = new Map<string, Entry>();
  let failuresSinceSweep = 0;

  const isBanned = (e: Entry, t: number): boolean => e.bannedUntil > t;
  const isStale = (e: Entry, t: number): boolean => !isBanned(e, t) && t >= e.rememberUntil;

  function sweep(t: number): void {
    for (const [ip, e] of entries) if (isStale(e, t)) entries.delete(ip);
  }

  /**
   * Free one slot. Preference: a stale entry, then the least recently active entry that is
   * not banned (an attacker must not be able to lift its own ban by spraying addresses),
   * and only if the oldest entries are all bans, the oldest of them.
   */
  function evictOne(t: number): void {
    let scanned = 0;
    let victim: string | undefined;
    for (const [ip, e] of entries) {
      if (isStale(e, t)) {
        entries.delete(ip);
        return;
      }
      if (victim === undefined && !isBanned(e, t)) victim = ip;
      if (++scanned >= EVICTION_SCAN) break;
    }
    const oldest = entries.keys().next();
    const target = victim ?? (oldest.done === true ? undefined : oldest.value);
    if (target !== undefined) entries.delete(target);
  }

  function check(ip: string): LoginGuardDecision {
    const t = now();
    const e = entries.get(ip);
    if (e === undefined || !isBanned(e, t)) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((e.bannedUntil - t) / 1000)), reason: 'ip_banned' };
  }

  function recordFailure(ip: string): FailureOutcome {
    const t = now();
    if (++failuresSinceSweep >= SWEEP_EVERY_FAILURES) {
      failuresSinceSweep = 0;
      sweep(t);
    }
    let e = entries.get(ip);
    // Failures while banned should not happen (callers check first); never extend or count them.
    if (e !== undefined && isBanned(e, t)) return { banned: true, bans: e.bans };
    // Forgotten history starts from scratch: old bans no longer escalate.
    if (e !== undefined && isStale(e, t)) {
      entries.delete(ip);
      e = undefined;
    }
    if (e === undefined) {
      if (entries.size >= maxTrackedIps) evictOne(t);
      e = { failures: 0, bans: 0, bannedUntil: 0, rememberUntil: 0 };
    } else {
      entries.delete(ip);
    }
    entries.set(ip, e);
    e.failures++;
    e.rememberUntil = Math.max(e.rememberUntil, t + memoryMs);
    if (e.failures < banThreshold) return { banned: false, bans: e.bans };

    e.bans++;
    e.failures = 0;
    // 2^52 already exceeds any cap; clamp the exponent so the product stays finite.
    const banMs = Math.min(banMaxMs, banBaseMs * 2 ** Math.min(e.bans - 1, 52));
    e.bannedUntil = t + banMs;
    e.rememberUntil = Math.max(e.rememberUntil, e.bannedUntil + memoryMs);
    return { banned: true, banMs, bans: e.bans };
  }

  function recordSuccess(ip: string): void {
    const e = entries.get(ip);
    if (e === undefined) return;
    if (e.bans === 0) {
      entries.delete(ip);
      return;
    }
    // Keep the ban count (until rememberUntil) so the next run of guesses escalates.
    e.failures = 0;
    e.bannedUntil = 0;
  }

  return { check, recordFailure, recordSuccess, size: () => entries.size };
}
