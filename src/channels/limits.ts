/**
 * Per-sender message rate limit (fixed one-minute windows). Keys come from strangers, so the
 * table is capped and swept (invariant 5).
 */

/** The decision for one message: `first` is true for the first refusal of a window (one notice). */
export type RateDecision = { ok: true } | { ok: false; first: boolean };

/** Creates a limiter allowing `max` messages per `windowMs` and key. */
export function createRateLimiter(o: { max: number; windowMs: number; now: () => number; maxKeys?: number }) {
  const cap = o.maxKeys ?? 10_000;
  const buckets = new Map<string, { start: number; count: number; noticed: boolean }>();
  const sweep = (t: number) => { for (const [k, b] of buckets) if (t - b.start >= o.windowMs) buckets.delete(k); };
  return {
    hit(key: string): RateDecision {
      const t = o.now();
      let b = buckets.get(key);
      if (b && t - b.start >= o.windowMs) { buckets.delete(key); b = undefined; }
      if (!b) {
        if (buckets.size >= cap) sweep(t);
        // Fail closed: with the table still full of live windows, a new key is refused (no notice).
        if (buckets.size >= cap) return { ok: false, first: false };
        b = { start: t, count: 0, noticed: false };
        buckets.set(key, b);
      }
      b.count++;
      if (b.count <= o.max) return { ok: true };
      const first = !b.noticed;
      b.noticed = true;
      return { ok: false, first };
    },
    size: () => buckets.size,
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
