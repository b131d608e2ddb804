import type { WebSocket } from 'ws';
import type { Identity } from '../auth/index.js';

/** One open WebSocket after (or during) its handshake. */
export interface Conn {
  id: string;
  socket: WebSocket;
  identity: Identity | null;
  clientIp: string;
  isLocal: boolean;
  /** v4 clients subscribe explicitly; v3 clients receive every event they may see. */
  subscriptions: Set<string> | 'all';
  /** Events sent to this connection so far (its own sequence). */
  seq: number;
}

export const MAX_BUFFERED_BYTES = 1_572_864;
/** Sockets one client address may hold open without any credential yet (before `connect`). */
export const MAX_ANONYMOUS_PER_IP = 8;
/** How long a socket we close may take to answer our close frame before it is cut. */
export const CLOSE_GRACE_MS = 1000;

/**
 * Closes a socket and cuts it if the peer does not answer the close frame within
 * CLOSE_GRACE_MS. Threat: `close()` alone waits up to 30 s for a peer that never answers.
 */
export function hangUp(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason);
  const t = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/** Sends a JSON frame; a client that stops reading is dropped rather than buffered forever. */
export function sendFrame(c: Conn, frame: unknown): void {
  if (c.socket.readyState !== c.socket.OPEN) return;
  if (c.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    hangUp(c.socket, 1013, 'slow consumer');
    return;
  }
  c.socket.send(JSON.stringify(frame));
}

/**
 * The table of open connections, capped so that attacker-opened sockets cannot grow memory
 * without bound. Sockets without any credential (before `connect`) have their own budget: at most
 * `maxAnonymousPerIp` per address and half the table in all, so strangers cannot lock out the owner.
 */
export function createConnections(opts: { max: number; maxAnonymousPerIp?: number }) {
  const conns = new Map<string, Conn>();
  // Ids of connections that arrived without a credential; they count until `connect` binds one.
  const anonymous = new Set<string>();
  const perIp = opts.maxAnonymousPerIp ?? MAX_ANONYMOUS_PER_IP;
  const anonymousTotal = Math.max(1, Math.floor(opts.max / 2));
  const isWaiting = (id: string) => anonymous.has(id) && conns.get(id)?.identity === null;
  return {
    /**
     * Adds a connection; `anonymous` when its upgrade carried no credential. Returns null, or
     * why it was refused (then it is not in the table).
     */
    add(c: Conn, o: { anonymous: boolean } = { anonymous: false }): string | null {
      if (o.anonymous) {
        let total = 0;
        let fromIp = 0;
        for (const id of anonymous) {
          if (!isWaiting(id)) continue;
          total++;
          if (conns.get(id)!.clientIp === c.clientIp) fromIp++;
        }
        if (fromIp >= perIp) return `too many unauthenticated WebSocket connections from this address (at most ${perIp}): send connect first`;
        if (total >= anonymousTotal) return 'too many unauthenticated WebSocket connections; try again later';
        anonymous.add(c.id);
      }
      conns.set(c.id, c);
      return null;
    },
    remove(id: string): void { conns.delete(id); anonymous.delete(id); },
    get: (id: string): Conn | undefined => conns.get(id),
    size: () => conns.size,
    hasRoom: () => conns.size < opts.max,
    all: (): Conn[] => [...conns.values()],
    /** Closes every connection matching `pred` (credential revoked or expired, shutdown). */
    closeWhere(pred: (c: Conn) => boolean, code: number, reason: string): number {
      let n = 0;
      for (const c of conns.values()) {
        if (!pred(c)) continue;
        sendFrame(c, { type: 'event', event: 'auth.credentials_changed', payload: { reason } });
        hangUp(c.socket, code, reason);
        conns.delete(c.id);
        anonymous.delete(c.id);
        n++;
      }
      return n;
    },
  };
}
export type Connections = ReturnType<typeof createConnections>;
