/**
 * Aggregates repeated authorization denials. Threat: one scoped key could write tens of thousands
 * of `scope_denied` rows a second, each pushed to every admin socket, until real events drown.
 * The first denial per (credential, method) in a window is written at once; the rest are counted
 * and written as one `…_repeated` entry with the count when the window closes.
 */
import { sanitizePrefix } from './sanitize.js';

/** One denied call. */
export interface Denial { type: string; actor: string; method: string; missing: string; ip: string | null }
type Write = (type: string, ip: string | null, detail: string, actor: string) => void;

/** Creates the aggregator; `close()` flushes pending counts and stops the timer. */
export function createDenialAggregator(o: { windowMs: number; maxKeys: number; write: Write; setTimer?: typeof setInterval; clearTimer?: typeof clearInterval }) {
  const pending = new Map<string, { d: Denial; count: number }>();
  let overflow = 0;
  const flush = () => {
    for (const { d, count } of pending.values()) {
      if (count > 0) o.write(`${d.type}_repeated`, d.ip, `method=${d.method} missing=${d.missing} count=${count}`, d.actor);
    }
    pending.clear();
    if (overflow > 0) o.write('scope_denied_repeated', null, `method=(many) count=${overflow}`, 'many');
    overflow = 0;
  };
  const timer = (o.setTimer ?? setInterval)(flush, o.windowMs);
  timer.unref?.();
  return {
    record(d: Denial): void {
      const method = sanitizePrefix(d.method);
      const key = `${d.type}\0${d.actor}\0${method}`;
      const seen = pending.get(key);
      if (seen) { seen.count++; return; }
      // Bounded memory (invariant 5): past the cap, further distinct keys only bump one counter.
      if (pending.size >= o.maxKeys) { overflow++; return; }
      pending.set(key, { d: { ...d, method }, count: 0 });
      o.write(d.type, d.ip, `method=${method} missing=${d.missing}`, d.actor);
    },
    flush,
    close(): void { (o.clearTimer ?? clearInterval)(timer); flush(); },
  };
}
export type DenialAggregator = ReturnType<typeof createDenialAggregator>;
