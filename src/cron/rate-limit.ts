/**
 * The creation limit (brief: `[cron] rate_limit_max` per `rate_limit_window_secs`): a sliding
 * window of creation times shared by every creator, so a prompt-injected agent cannot flood the
 * scheduler from the tool while an API client uses RPC.
 */

/** Decides one creation: pure, so the rule reads in one place and tests pin it. */
export function decideCreation(stamps: readonly number[], now: number, max: number, windowMs: number): { ok: true } | { ok: false; retryAfterMs: number } {
  const live = stamps.filter((t) => t > now - windowMs);
  if (live.length < max) return { ok: true };
  // The oldest creation in the window frees the next slot when it leaves it.
  const oldest = Math.min(...live);
  return { ok: false, retryAfterMs: Math.max(1, oldest + windowMs - now) };
}

/** The window's state: at most `max` timestamps are ever held (bounded memory). */
export function createRateLimiter(o: { max: number; windowMs: number; now: () => number }) {
  let stamps: number[] = [];
  return {
    /** Counts a creation attempt, or refuses it with the wait until a slot frees. */
    take(): { ok: true } | { ok: false; retryAfterMs: number } {
      const t = o.now();
      stamps = stamps.filter((s) => s > t - o.windowMs);
      const d = decideCreation(stamps, t, o.max, o.windowMs);
      if (d.ok) stamps.push(t);
      return d;
    },
    remaining(): number {
      const t = o.now();
      return Math.max(0, o.max - stamps.filter((s) => s > t - o.windowMs).length);
    },
  };
}
