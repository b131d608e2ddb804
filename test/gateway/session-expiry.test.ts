/**
 * A WebSocket lives no longer than the login session behind it: when the session reaches its
 * idle or absolute expiry the socket stops receiving events and is closed with 4001, without
 * waiting for the client's next request (the original kept streaming events to it).
 * The clock is pinned and moved by the test; the sweep runs every 100 ms.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, cookieOf, PASSWORD, type TestServer } from '../support/server.js';
import { WsClient, wsUrl, type Frame } from '../support/ws.js';
import { request } from '../support/http.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const SWEEP_MS = 100;

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WebSockets close when their session expires', () => {
  let s: TestServer;
  let clock = Date.UTC(2026, 0, 5, 12);
  const clients: WsClient[] = [];
  before(async () => {
    s = await startTestServer({ now: () => clock, expirySweepMs: SWEEP_MS, toml: '[auth]\nsession_ttl_days = 1\nsession_idle_timeout_mins = 60\n[server.throttle]\nlogin_max = 1000\n' });
    await setupPassword(s);
  });
  after(async () => { for (const c of clients) c.close(); await s.stop(); });

  async function login(): Promise<string> {
    const r = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    assert.equal(r.status, 200);
    return cookieOf(r);
  }
  async function openWith(cookie: string): Promise<WsClient> {
    const c = await WsClient.open(wsUrl(s.url, '/ws/chat'), { cookie });
    clients.push(c);
    assert.equal((await c.connect()).ok, true);
    assert.equal((await c.request('subscribe', { events: ['tick'] })).ok, true);
    return c;
  }
  const ticks = (c: WsClient, n: number) => c.frames.filter((f: Frame) => f.event === 'tick' && f.payload?.n === n).length;

  test('idle expiry: the socket is closed with 4001 and receives nothing after', async () => {
    const cookie = await login();
    const ws = await openWith(cookie);
    s.bus.publish('tick', { n: 1 });
    await ws.next((f) => f.event === 'tick' && f.payload?.n === 1);
    // Several sweeps while the session is live: nothing happens to the socket.
    await settle(SWEEP_MS * 3);
    assert.equal(ws.ws.readyState, ws.ws.OPEN);

    clock += 60 * MIN + 1000; // past the idle timeout, with no request from the socket
    const closed = await within(ws.closed, 2000, 'expired socket closed');
    assert.equal(closed.code, 4001);
    assert.ok(ws.frames.some((f) => f.event === 'auth.credentials_changed'));
    s.bus.publish('tick', { n: 2 });
    await settle(50);
    assert.equal(ticks(ws, 2), 0);
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie }, body: { method: 'health' } })).status, 401);
  });

  test('absolute expiry: a session kept busy over HTTP still ends at its lifetime, and takes its socket', async () => {
    const loginAt = clock;
    const cookie = await login();
    const ws = await openWith(cookie);
    const use = async () => assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie }, body: { method: 'health' } })).status, 200);
    // Use the session every 50 minutes for almost a day: it never goes idle.
    while (clock + 50 * MIN < loginAt + DAY - 10 * MIN) { clock += 50 * MIN; await use(); }
    clock = loginAt + DAY - 10 * MIN;
    await use();
    await settle(SWEEP_MS * 3);
    assert.equal(ws.ws.readyState, ws.ws.OPEN, 'a session in use stays open');
    s.bus.publish('tick', { n: 3 });
    await ws.next((f) => f.event === 'tick' && f.payload?.n === 3);

    clock += 20 * MIN; // past the one-day lifetime, though used within the idle window
    assert.equal((await within(ws.closed, 2000, 'expired socket closed')).code, 4001);
    s.bus.publish('tick', { n: 4 });
    await settle(50);
    assert.equal(ticks(ws, 4), 0);
  });

  test('the socket of a live session is left alone', async () => {
    const live = await openWith(await login());
    clock += 10 * MIN;
    await settle(SWEEP_MS * 3);
    assert.equal(live.ws.readyState, live.ws.OPEN);
    assert.equal((await live.request('health')).ok, true);
  });
});
