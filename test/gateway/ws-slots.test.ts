/**
 * Unauthenticated WebSockets cannot hold the connection table: a socket that never says
 * `connect` is cut at the handshake timeout even when it ignores our close frame, and one
 * address (or a handful) holds only a bounded share of slots. The attacker here is a raw TCP
 * client that completes the upgrade and then reads nothing and answers nothing.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';

interface RawUpgrade { socket: net.Socket; status: number; closed: Promise<number> }

/** Completes a WebSocket upgrade over a bare socket, then never answers anything (the attacker). */
function rawUpgrade(s: TestServer, localAddress: string): Promise<RawUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: s.port, localAddress });
    const t0 = Date.now();
    const closed = new Promise<number>((res) => socket.once('close', () => res(Date.now() - t0)));
    let head = '';
    socket.on('error', () => { /* a reset is one way of being cut */ });
    socket.once('connect', () => socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.resume(); // swallow frames (close frames included) without ever answering them
      resolve({ socket, status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), closed });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before an upgrade answer: ${JSON.stringify(head)}`)));
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

/** Waits until `cond()` holds, for at most `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('silent WebSockets are cut at the handshake timeout', () => {
  let s: TestServer;
  const raws: RawUpgrade[] = [];
  before(async () => { s = await startTestServer({ handshakeTimeoutMs: 400 }); await setupPassword(s); });
  after(async () => { for (const r of raws) r.socket.destroy(); await s.stop(); });

  test('sockets that ignore the close frame leave the table at the timeout and are terminated within a second', async () => {
    for (let i = 0; i < 8; i++) raws.push(await rawUpgrade(s, '127.0.0.1'));
    assert.deepEqual(raws.map((r) => r.status), Array(8).fill(101));
    assert.equal(s.gateway.connections.size(), 8);
    // The slot is free right at the timeout (the original kept it ~30 s more, waiting for a close answer).
    await until(() => s.gateway.connections.size() === 0, 1500, 'slots freed');
    // And the TCP connection itself is gone: timeout 0.4 s + 1 s grace, far below ws's 30 s close wait.
    const lifetimes = await within(Promise.all(raws.map((r) => r.closed)), 4000, 'sockets terminated');
    for (const ms of lifetimes) assert.ok(ms < 3000, `socket lived ${ms} ms`);
  });
});

describe('anonymous WebSockets have a bounded share of the table', () => {
  let s: TestServer;
  let key: string;
  const raws: RawUpgrade[] = [];
  const clients: WsClient[] = [];
  // 32 slots: anonymous sockets may use 16 of them, 8 per address.
  before(async () => {
    s = await startTestServer({ handshakeTimeoutMs: 15_000, maxConnections: 32 });
    const cookie = await setupPassword(s);
    key = (await createKey(s, cookie, ['operator.read'])).key;
  });
  after(async () => {
    for (const r of raws) r.socket.destroy();
    for (const c of clients) c.close();
    await s.stop();
  });

  test('one address holds at most 8 anonymous sockets; the rest are cut at once; other addresses still connect', async () => {
    const mine: RawUpgrade[] = [];
    for (let i = 0; i < 12; i++) mine.push(await rawUpgrade(s, '127.0.0.1'));
    raws.push(...mine);
    assert.equal(s.gateway.connections.size(), 8);
    // The four over the cap are closed and cut (no answer needed), long before the handshake timeout.
    const cut = await within(Promise.all(mine.slice(8).map((r) => r.closed)), 3000, 'over-cap sockets cut');
    for (const ms of cut) assert.ok(ms < 2500, `over-cap socket lived ${ms} ms`);
    assert.equal(mine.slice(0, 8).filter((r) => r.socket.destroyed).length, 0, 'the first 8 stay until their own timeout');

    // A well-behaved client from the same address is refused with a reason while the cap holds...
    const refused = await WsClient.open(wsUrl(s.url), {}, { localAddress: '127.0.0.1' });
    clients.push(refused);
    const f = await refused.next((x) => x.type === 'res' && x.ok === false);
    assert.equal(f.error!.code, 'UNAVAILABLE');
    assert.match(f.error!.message, /from this address/);
    assert.equal((await within(refused.closed, 3000, 'refused closed')).code, 1013);

    // ...while a stranger from another address still gets in and authenticates.
    const other = await WsClient.open(wsUrl(s.url), {}, { localAddress: '127.0.0.2' });
    clients.push(other);
    assert.equal((await other.connect({ api_key: key })).ok, true);
    assert.equal((await other.request('health')).ok, true);
  });

  test('anonymous sockets from many addresses use at most half the table; a credentialed upgrade still gets in', async () => {
    const third: RawUpgrade[] = [];
    const fourth: RawUpgrade[] = [];
    for (let i = 0; i < 8; i++) third.push(await rawUpgrade(s, '127.0.0.3'));
    for (let i = 0; i < 8; i++) fourth.push(await rawUpgrade(s, '127.0.0.4'));
    raws.push(...third, ...fourth);
    // 8 waiting from 127.0.0.1 + 8 from 127.0.0.3 fill the anonymous half; 127.0.0.4 is cut at once.
    await within(Promise.all(fourth.map((r) => r.closed)), 3000, 'anonymous sockets over the total cut');
    assert.equal(third.filter((r) => r.socket.destroyed).length, 0);
    assert.equal(s.gateway.connections.size(), 17); // 16 anonymous + the authenticated client from 127.0.0.2
    const late = await rawUpgrade(s, '127.0.0.5');
    raws.push(late);
    assert.ok((await within(late.closed, 3000, 'anonymous socket over the total cut')) < 2500);
    // The table is not full: a client presenting a credential on the upgrade is served.
    const owner = await WsClient.open(wsUrl(s.url), { authorization: `Bearer ${key}` }, { localAddress: '127.0.0.5' });
    clients.push(owner);
    assert.equal((await owner.connect()).ok, true);
    assert.equal((await owner.request('health')).ok, true);
  });
});
