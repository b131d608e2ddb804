/**
 * Delivery de-duplication for platform callbacks and sockets: platforms retry deliveries they
 * think failed, and each id must be processed once. Ids come from outside: the table is capped.
 */

/** Remembers ids for `ttlMs` (Slack retries a delivery it thinks failed); capped, oldest out first. */
export function createDedupe(o: { max: number; ttlMs: number; now: () => number }) {
  const seen = new Map<string, number>();
  return {
    /** True the first time `id` is seen within the TTL. */
    first(id: string): boolean {
      const t = o.now();
      const at = seen.get(id);
      if (at !== undefined && t - at < o.ttlMs) return false;
      seen.delete(id);
      for (const [k, v] of seen) { if (seen.size < o.max && t - v < o.ttlMs) break; seen.delete(k); }
      seen.set(id, t);
      return true;
    },
  };
}
