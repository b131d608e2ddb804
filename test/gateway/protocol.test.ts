/**
 * The WebSocket `connect` handshake and frame rules (reference §2.7).
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, PASSWORD, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';

describe('WebSocket protocol', () => {
  let s: TestServer;
  // Many password connects from one address: lift the login throttle here (tested below on its own).
  before(async () => { s = await startTestServer({ toml: '[server.throttle]\nlogin_max = 1000\n' }); await setupPassword(s); });
  after(() => s.stop());

  test('hello-ok after connect with the password', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    const hello = await c.connect({ password: PASSWORD });
    assert.equal(hello.ok, true, JSON.stringify(hello));
    assert.equal(hello.payload.type, 'hello-ok');
    assert.equal(hello.payload.protocol, 4);
    assert.equal(hello.payload.policy.maxPayload, 524288);
    assert.ok(hello.payload.features.methods.includes('health'));
    assert.equal((await c.request('health')).ok, true);
    c.close();
  });

  test('unparsable first frame → error res, then close', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    c.ws.send('not json');
    const f = await c.next((x) => x.type === 'res');
    assert.equal(f.ok, false);
    assert.equal(f.error!.code, 'PROTOCOL_ERROR');
    assert.equal((await c.closed).code, 1008);
  });

  test('first request other than connect → error res, then close', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    const r = await c.request('health');
    assert.equal(r.error!.code, 'PROTOCOL_ERROR');
    await c.closed;
  });

  test('protocol mismatch is named', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    const r = await c.request('connect', { protocol: { min: 5, max: 6 }, client: { id: 't', version: '1', platform: 'node', mode: 'operator' } });
    assert.equal(r.error!.code, 'PROTOCOL_ERROR');
    assert.match(r.error!.message, /server=4, client=5-6/);
    await c.closed;
  });

  test('no credentials in tier 1 → UNAUTHORIZED, then close', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    const r = await c.connect();
    assert.equal(r.error!.code, 'UNAUTHORIZED');
    assert.equal((await c.closed).code, 1008);
  });

  test('a client cannot claim another role or its own scopes', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    const r = await c.request('connect', { protocol: { min: 4, max: 4 }, role: 'node', scopes: ['operator.admin'], client: { id: 't', version: '1', platform: 'node', mode: 'node' }, auth: { password: PASSWORD } });
    assert.equal(r.error!.code, 'FORBIDDEN');
    await c.closed;
  });

  test('a frame over 512 KiB is refused (PAYLOAD_TOO_LARGE); over 1 MiB it closes the socket (1009)', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    assert.equal((await c.connect({ password: PASSWORD })).ok, true);
    assert.equal((await c.request('health', { pad: 'x'.repeat(600 * 1024) })).error?.code, 'PAYLOAD_TOO_LARGE');
    c.send({ type: 'req', id: 'big', method: 'health', params: { pad: 'x'.repeat(1100 * 1024) } });
    assert.equal((await c.closed).code, 1009);
  });

  test('an unknown method is UNKNOWN_METHOD (also for keys without admin: see dispatcher.test.ts)', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    await c.connect({ password: PASSWORD });
    const r = await c.request('no.such.method');
    assert.equal(r.error!.code, 'UNKNOWN_METHOD');
    c.close();
  });

  test('events reach only subscribers allowed to see them', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    await c.connect({ password: PASSWORD });
    assert.equal((await c.request('subscribe', { events: ['sessions.changed'] })).ok, true);
    await c.request('sessions.create', { label: 'evented' });
    const ev = await c.next((f) => f.type === 'event' && f.event === 'sessions.changed');
    assert.equal(ev.payload.kind, 'created');
    c.close();
  });

  test('a socket that never sends connect is answered with TIMEOUT and closed', async () => {
    const s2 = await startTestServer({ handshakeTimeoutMs: 200 });
    try {
      const c = await WsClient.open(wsUrl(s2.url));
      const f = await c.next((x) => x.type === 'res');
      assert.equal(f.error!.code, 'TIMEOUT');
      assert.equal((await c.closed).code, 1008);
      for (let i = 0; i < 50 && s2.gateway.connections.size() > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(s2.gateway.connections.size(), 0); // the slot is freed
    } finally { await s2.stop(); }
  });

  test('passwords in connect spend the login throttle budget of /api/auth/login', async () => {
    const s2 = await startTestServer();
    try {
      await setupPassword(s2);
      for (let i = 0; i < 5; i++) {
        const c = await WsClient.open(wsUrl(s2.url));
        assert.equal((await c.connect({ password: `wrong guess ${i}` })).error!.code, 'UNAUTHORIZED');
        await c.closed;
      }
      const c = await WsClient.open(wsUrl(s2.url));
      const r = await c.connect({ password: PASSWORD });
      assert.equal(r.error!.code, 'RATE_LIMITED');
      const http = await fetch(`${s2.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
      assert.equal(http.status, 429); // one budget for both doors
    } finally { await s2.stop(); }
  });

  test('password guesses in connect feed the login guard (same as /api/auth/login)', async () => {
    const s2 = await startTestServer({ toml: '[server.throttle]\nlogin_max = 1000\n' });
    try {
      await setupPassword(s2);
      for (let i = 0; i < 10; i++) {
        const c = await WsClient.open(wsUrl(s2.url));
        const r = await c.connect({ password: `wrong guess ${i}` });
        assert.equal(r.error!.code, 'UNAUTHORIZED');
        await c.closed;
      }
      const c = await WsClient.open(wsUrl(s2.url));
      const r = await c.connect({ password: PASSWORD });
      assert.equal(r.error!.code, 'RATE_LIMITED');
      assert.ok((r.error as { retryAfterMs?: number }).retryAfterMs! >= 1000);
      assert.ok(s2.auth.auditList({ type: 'ip_banned' }).length === 1);
      // and the HTTP login from the same address is blocked too
      const http = await fetch(`${s2.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: '' }, body: JSON.stringify({ password: PASSWORD }) });
      assert.equal(http.status, 429);
    } finally { await s2.stop(); }
  });
});
