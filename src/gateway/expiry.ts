/**
 * Closes WebSockets whose credential died without anyone saying so: a login session that
 * reached its idle or absolute expiry, a key revoked by another process. Threat: such a socket
 * would keep receiving events until it next sent a request (the per-request check alone).
 */
import type { Connections, Conn } from './connections.js';

/** How often every authenticated connection's credential is re-checked. */
export const EXPIRY_SWEEP_MS = 5000;
// setTimeout fires at once for delays above 2^31-1 ms: leave those to the sweep.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of the sweep; `now` is the same injected clock auth uses for expiry. */
export interface ExpirySweepOptions {
  conns: Connections;
  /** Is this connection's credential still live (`auth.isIdentityLive`)? */
  isLive: (c: Conn) => boolean;
  /** When a session-backed connection's session ends at the latest (absolute expiry), if known. */
  expiresAt: (c: Conn) => number | null;
  now: () => number;
  everyMs?: number;
  /** Close code and reason sent to a socket whose credential ended. */
  code: number;
  onError: (err: unknown, where: string) => void;
}

/** Starts the sweep: every `everyMs`, plus a timer at each session's absolute expiry. */
export function createExpirySweep(o: ExpirySweepOptions) {
  const timers = new Map<string, NodeJS.Timeout>();
  const dead = (c: Conn): boolean => {
    if (!c.identity) return false; // still in its handshake: the handshake timeout governs it
    try {
      return !o.isLive(c);
    } catch (err) {
      o.onError(err, 'ws expiry check');
      return true; // fail closed: a credential that cannot be checked is not live
    }
  };
  const closeDead = (pred: (c: Conn) => boolean) => o.conns.closeWhere((c) => pred(c) && dead(c), o.code, 'credentials expired');

  // A timer at the session's absolute end closes the socket on time rather than at the next sweep.
  const schedule = (c: Conn) => {
    if (timers.has(c.id) || c.identity?.sessionId === undefined) return;
    const at = o.expiresAt(c);
    if (at === null) return;
    const delay = Math.max(0, at - o.now());
    if (delay > MAX_TIMER_MS) return;
    const t = setTimeout(() => { timers.delete(c.id); closeDead((x) => x.id === c.id); }, delay);
    t.unref();
    timers.set(c.id, t);
    c.socket.once('close', () => { clearTimeout(t); timers.delete(c.id); });
  };

  const sweep = (): void => {
    closeDead(() => true);
    for (const c of o.conns.all()) schedule(c);
  };
  const interval = setInterval(sweep, o.everyMs ?? EXPIRY_SWEEP_MS);
  interval.unref();

  return {
    /** Runs one sweep now. */
    sweep,
    close(): void {
      clearInterval(interval);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
