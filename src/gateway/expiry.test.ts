import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { createConnections, type Conn } from './connections.js';
import { createExpirySweep } from './expiry.js';

/** A real WebSocket pair on loopback: the server side goes in the table, the client watches. */
async function pair(t: { after: (fn: () => unknown) => void }) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const closed = new Promise<number>((res) => client.on('close', (code) => res(code)));
  const [server] = await accepted;
  t.after(() => { client.terminate(); wss.close(); });
  return { server, closed };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

const conn = (socket: WebSocket, identity: Conn['identity']): Conn => ({ id: 'c1', socket, identity, clientIp: '127.0.0.1', isLocal: false, subscriptions: 'all', seq: 0 });

test('a session socket is closed at its absolute expiry, between sweeps', async (t) => {
  const { server, closed } = await pair(t);
  const conns = createConnections({ max: 4 });
  const expiresAt = Date.now() + 200;
  conns.add(conn(server, { method: 'password', scopes: [], sessionId: 1 }));
  // The periodic sweep is a minute away: only the expiry timer can close the socket in time.
  const sweep = createExpirySweep({ conns, now: Date.now, everyMs: 60_000, code: 4001, onError: () => {}, isLive: () => Date.now() < expiresAt, expiresAt: () => expiresAt });
  t.after(() => sweep.close());
  sweep.sweep();
  assert.equal(conns.size(), 1, 'live at the first sweep');
  assert.equal(await within(closed, 2000, 'closed at expiry'), 4001);
  assert.equal(conns.size(), 0);
});

test('a credential check that throws closes the socket (fail closed); a socket still in its handshake is left to its timeout', async (t) => {
  const a = await pair(t);
  const b = await pair(t);
  const conns = createConnections({ max: 4 });
  conns.add({ ...conn(a.server, { method: 'api_key', scopes: [], apiKeyId: 7 }), id: 'a' });
  conns.add({ ...conn(b.server, null), id: 'b' });
  const errors: string[] = [];
  const sweep = createExpirySweep({ conns, now: Date.now, everyMs: 60_000, code: 4001, onError: (_e, where) => errors.push(where), isLive: () => { throw new Error('database is closed'); }, expiresAt: () => null });
  t.after(() => sweep.close());
  sweep.sweep();
  assert.equal(await within(a.closed, 2000, 'closed'), 4001);
  assert.deepEqual(errors, ['ws expiry check']);
  assert.deepEqual(conns.all().map((c) => c.id), ['b']);
});
