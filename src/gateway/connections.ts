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

/** Sends a JSON frame; a client that stops reading is dropped rather than buffered forever. */
export function sendFrame(c: Conn, frame: unknown): void {
  if (c.socket.readyState !== c.socket.OPEN) return;
  if (c.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    c.socket.close(1013, 'slow consumer');
    return;
  }
  c.socket.send(JSON.stringify(frame));
}

/** The table of open connections, capped so that attacker-opened sockets cannot grow memory without bound. */
export function createConnections(opts: { max: number }) {
  const conns = new Map<string, Conn>();
  return {
    add(c: Conn): void { conns.set(c.id, c); },
    remove(id: string): void { conns.delete(id); },
    get: (id: string): Conn | undefined => conns.get(id),
    size: () => conns.size,
    hasRoom: () => conns.size < opts.max,
    all: (): Conn[] => [...conns.values()],
    /** Closes every connection matching `pred` (credential revoked, shutdown). */
    closeWhere(pred: (c: Conn) => boolean, code: number, reason: string): number {
      let n = 0;
      for (const c of conns.values()) {
        if (!pred(c)) continue;
        sendFrame(c, { type: 'event', event: 'auth.credentials_changed', payload: { reason } });
        c.socket.close(code, reason);
        conns.delete(c.id);
        n++;
      }
      return n;
    },
  };
}
export type Connections = ReturnType<typeof createConnections>;
