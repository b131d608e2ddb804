/**
 * Slow clients cannot take the gateway offline: the attacker opens many connections that send
 * `POST /api/auth/login` with `Content-Length: 1000000` and one byte, or headers that never end.
 * One address holds a bounded number of connections, the listener a bounded total, strangers'
 * bodies and everyone's headers have short deadlines, and an early refusal closes the connection.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, setupPassword, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';

interface Slow { socket: net.Socket; connectedAt: number; closed: Promise<{ ms: number; text: string }> }

/** Opens a connection from `localAddress` and writes `head` (and never the rest). */
function slow(s: TestServer, localAddress: string, head: string): Promise<Slow> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: s.port, localAddress });
    let text = '';
    let connectedAt = Date.now();
    socket.on('data', (d) => { text += d.toString('latin1'); });
    socket.on('error', () => { /* a reset is one way of being cut */ });
    const closed = new Promise<{ ms: number; text: string }>((res) => socket.once('close', () => res({ ms: Date.now() - connectedAt, text })));
    socket.once('connect', () => { connectedAt = Date.now(); socket.write(head); resolve({ socket, connectedAt, closed }); });
    // Dropped before even connecting (listener over its total): still a result.
    socket.once('close', () => resolve({ socket, connectedAt, closed }));
  });
}

const loginHead = (s: TestServer, length = 1_000_000) =>
  `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`;

const connections = (s: TestServer) => new Promise<number>((res, rej) => s.app.server.getConnections((e, n) => (e ? rej(e) : res(n))));

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connection caps', () => {
  let s: TestServer;
  const open: Slow[] = [];
  // Long deadlines here, so that only the caps can explain a dropped connection.
  before(async () => {
    s = await startTestServer({ toml: 'max_connections = 40\nmax_connections_per_ip = 16\nunauthenticated_body_timeout_secs = 60\n[server.throttle]\nenabled = false\n' });
    // Set up without a pooled connection, so every connection counted below is the attacker's.
    assert.equal((await request(`${s.url}/api/auth/setup`, { method: 'POST', body: { password: PASSWORD } })).status, 200);
    while ((await connections(s)) > 0) await settle(20);
  });
  after(async () => { for (const c of open) c.socket.destroy(); await s.stop(); });

  test('200 slow logins from one address hold at most 16 connections; /health from another address answers at once', async () => {
    const mine: Slow[] = [];
    for (let i = 0; i < 200; i++) mine.push(await slow(s, '127.0.0.1', loginHead(s)));
    open.push(...mine);
    await settle(200);
    const held = mine.filter((c) => !c.socket.destroyed);
    assert.equal(held.length, 16, 'connections from one address still open');
    assert.ok((await connections(s)) <= 16);
    // Everyone else is served, promptly.
    const t0 = Date.now();
    const h = await request(`${s.url}/health`, { localAddress: '127.0.0.2' });
    assert.equal(h.status, 200);
    assert.ok(Date.now() - t0 < 2000, `/health took ${Date.now() - t0} ms`);
    // The attacker's own address is at its cap.
    await assert.rejects(request(`${s.url}/health`, { localAddress: '127.0.0.1' }));
  });

  test('the listener holds at most max_connections in all', async () => {
    // 16 already held by 127.0.0.1; 16 more from each of two other addresses would make 48 > 40.
    const more: Slow[] = [];
    for (const addr of ['127.0.0.3', '127.0.0.4']) for (let i = 0; i < 16; i++) more.push(await slow(s, addr, loginHead(s)));
    open.push(...more);
    await settle(200);
    const total = open.filter((c) => !c.socket.destroyed).length;
    assert.equal(total, 40);
    assert.equal(await connections(s), 40);
    await assert.rejects(request(`${s.url}/health`, { localAddress: '127.0.0.5' }));
    // Freeing connections lets new clients in again.
    for (const c of more) c.socket.destroy();
    await settle(200);
    assert.equal((await request(`${s.url}/health`, { localAddress: '127.0.0.5' })).status, 200);
  });
});

describe('deadlines for slow requests', () => {
  let s: TestServer;
  let cookie: string;
  const open: Slow[] = [];
  before(async () => {
    s = await startTestServer({ toml: 'headers_timeout_secs = 1\nrequest_timeout_secs = 4\nunauthenticated_body_timeout_secs = 1\n[server.throttle]\nlogin_max = 1000\n' });
    cookie = await setupPassword(s);
  });
  after(async () => { for (const c of open) c.socket.destroy(); await s.stop(); });

  test('a stranger\'s slow body is answered 408 and closed after the unauthenticated body deadline', async () => {
    const c = await slow(s, '127.0.0.1', loginHead(s));
    open.push(c);
    const { ms, text } = await within(c.closed, 3500, 'slow body cut');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /connection: close/i);
    assert.ok(ms >= 900 && ms < 3000, `cut after ${ms} ms`);
  });

  test('headers that never end are cut after the header deadline', async () => {
    const c = await slow(s, '127.0.0.1', `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nX-Slow: a`);
    open.push(c);
    const { ms, text } = await within(c.closed, 3500, 'slow headers cut');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(ms < 3000, `cut after ${ms} ms`);
  });

  test('an early refusal (401, 413) closes the connection instead of reading the rest of the body', async () => {
    const cases = [
      { want: 401, head: `POST /api/rpc HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{` },
      { want: 413, head: loginHead(s, 2_000_000) },
    ];
    for (const { want, head } of cases) {
      const c = await slow(s, '127.0.0.1', head);
      open.push(c);
      // Well inside every deadline: only the early close can explain it.
      const { ms, text } = await within(c.closed, 3500, `connection after ${want}`);
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${want} `));
      assert.match(text, /connection: close/i);
      assert.ok(ms < 700, `${want}: closed after ${ms} ms`);
    }
  });

  test('a credentialed request may take longer than a stranger\'s to send its body', async () => {
    const body = JSON.stringify({ method: 'health' });
    const c = await slow(s, '127.0.0.1', `POST /api/rpc HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 1)}`);
    open.push(c);
    await settle(1600);
    assert.equal(c.socket.destroyed, false, 'still waiting for the body past the unauthenticated deadline');
    c.socket.write(body.slice(1));
    const { text } = await within(c.closed, 3000, 'credentialed request answered');
    assert.match(text, /^HTTP\/1\.1 200 /);
  });
});
