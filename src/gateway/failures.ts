/**
 * Throttles a credential whose requests keep being refused. Threat: a scoped key (or a stolen
 * session) probing methods it may not call — tens of thousands of refusals a minute from one
 * socket, each one work for the gateway and a line for the audit log, until real events drown.
 * After `max` refusals within `windowMs`, every further request of that credential is answered
 * `RATE_LIMITED` for `windowMs`, before any work; the audit log gets one entry per throttling,
 * not one per request. Well-behaved callers (other credentials) are unaffected.
 *
 * Cost on the success path: one `Map.size` test while nobody is failing, one lookup otherwise.
 */
import type { Identity } from '../policy/index.js';
import { actorOf } from '../policy/index.js';

/** How many refusals a credential may collect in a window before it is throttled. */
export interface FailureLimit { max: number; windowMs: number }

/** Told once per throttling: who, from where, after how many refusals, for how long. */
export type OnThrottled = (actor: string, clientIp: string | null, failures: number, forMs: number) => void;

/** RPC error codes that mean "the caller asked for something it may not or cannot have". */
export const COUNTED_FAILURES: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'UNKNOWN_METHOD', 'NOT_FOUND', 'CONFLICT', 'INVALID_REQUEST', 'PROTOCOL_ERROR', 'PAYLOAD_TOO_LARGE']);

// Bounded memory (invariant 5): one entry per failing credential; credentials are ours to issue.
const MAX_TRACKED = 10_000;

interface Entry { start: number; count: number; until: number }

/** Creates the tracker; state lives only inside it. */
export function createFailureThrottle(o: FailureLimit & { now: () => number; onThrottled: OnThrottled; maxTracked?: number }) {
  const entries = new Map<string, Entry>();
  const maxTracked = o.maxTracked ?? MAX_TRACKED;
  const sweep = (t: number) => {
    for (const [k, e] of entries) if (t >= Math.max(e.until, e.start + o.windowMs)) entries.delete(k);
    // Still full: forget the oldest (insertion order). Trade-off: under a flood of distinct failing
    // credentials an old one may be released early; memory stays bounded either way.
    while (entries.size >= maxTracked) entries.delete(entries.keys().next().value!);
  };
  return {
    /** Milliseconds this identity must wait (0: go ahead). */
    retryAfterMs(identity: Identity): number {
      if (entries.size === 0) return 0;
      const e = entries.get(actorOf(identity));
      if (e === undefined || e.until === 0) return 0;
      const left = e.until - o.now();
      if (left > 0) return left;
      entries.delete(actorOf(identity));
      return 0;
    },
    /** Counts one refused request of this identity. */
    fail(identity: Identity, clientIp: string | null): void {
      const actor = actorOf(identity);
      const t = o.now();
      let e = entries.get(actor);
      if (e === undefined || (e.until === 0 && t - e.start >= o.windowMs) || (e.until !== 0 && t >= e.until)) {
        if (e === undefined && entries.size >= maxTracked) sweep(t);
        e = { start: t, count: 0, until: 0 };
        entries.set(actor, e);
      }
      e.count++;
      if (e.until === 0 && e.count >= o.max) {
        e.until = t + o.windowMs;
        o.onThrottled(actor, clientIp, e.count, o.windowMs);
      }
    },
    /** Credentials currently tracked (tests, metrics). */
    size: () => entries.size,
  };
}
export type FailureThrottle = ReturnType<typeof createFailureThrottle>;
