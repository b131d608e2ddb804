/**
 * Security headers on every response (successes, refusals, router errors), HSTS only over
 * TLS and scoped to the host name, and unknown routes that strangers cannot map.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startTestServer, setupPassword, type TestServer } from '../support/server.js';
import { request, type RawResponse } from '../support/http.js';

function assertSecurityHeaders(r: RawResponse, what: string): void {
  const h = r.headers;
  assert.equal(h['x-content-type-options'], 'nosniff', what);
  assert.equal(h['x-frame-options'], 'DENY', what);
  assert.equal(h['referrer-policy'], 'strict-origin-when-cross-origin', what);
  assert.match(String(h['x-request-id']), /^[0-9a-f-]{36}$/, what);
}

function assertApiHeaders(r: RawResponse, what: string): void {
  assertSecurityHeaders(r, what);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/, what);
  assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, what);
  assert.equal(r.headers['cache-control'], 'no-store', what);
}

/**
 * HTTPS GET with an arbitrary Host header. node would verify the certificate against the Host
 * header's name, so pin SNI/verification to `localhost` (in the generated certificate).
 */
function httpsWithHost(url: string, host: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = https.request({ hostname: u.hostname, port: u.port, path: u.pathname, ca, servername: 'localhost', headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('plain HTTP (TLS off), Tier 1', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => { s = await startTestServer(); cookie = await setupPassword(s); });
  after(() => s.stop());

  const cases: Array<[string, number, () => Promise<RawResponse>]> = [
    ['200 GET /api/auth/status', 200, () => request(`${s.url}/api/auth/status`)],
    ['200 POST /api/rpc with cookie', 200, () => request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie }, body: { method: 'health' } })],
    ['401 POST /api/rpc without credentials', 401, () => request(`${s.url}/api/rpc`, { method: 'POST', body: { method: 'health' } })],
    ['404 GET /api/nope with cookie', 404, () => request(`${s.url}/api/nope`, { headers: { cookie } })],
    ['403 cross-origin POST', 403, () => request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie, origin: 'https://evil.com' }, body: { method: 'health' } })],
    ['400 malformed JSON body', 400, () => request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie }, body: '{' })],
    // Fastify answers a bad URL from its router, before any hook: the headers must still be there.
    ['400 malformed URL escape', 400, () => request(`${s.url}/api/%zz`)],
  ];
  for (const [what, code, send] of cases) {
    test(`${what}: security headers, no-store, CSP, request id; no HSTS without TLS`, async () => {
      const r = await send();
      assert.equal(r.status, code, r.text);
      assertApiHeaders(r, what);
      assert.equal(r.headers['strict-transport-security'], undefined);
      if (code >= 400) assert.equal(typeof r.json?.code, 'string', `${what}: JSON error shape`);
    });
  }

  test('non-API pages get the base headers too', async () => {
    const r = await request(`${s.url}/health`);
    assert.equal(r.status, 200);
    assertSecurityHeaders(r, '/health');
  });

  test('every response gets its own request id', async () => {
    const a = await request(`${s.url}/api/auth/status`);
    const b = await request(`${s.url}/api/auth/status`);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  });

  test('unknown routes: 401 without credentials (strangers cannot map the API), 404 JSON with them', async () => {
    for (const path of ['/api/nope', '/api/auth/nope', '/admin/secret']) {
      const stranger = await request(`${s.url}${path}`);
      assert.equal(stranger.status, 401, path);
      assert.equal(stranger.json.code, 'AUTH_NOT_AUTHENTICATED');
      const owner = await request(`${s.url}${path}`, { headers: { cookie } });
      assert.equal(owner.status, 404, path);
      assert.equal(owner.json.code, 'NOT_FOUND');
      assert.match(String(owner.headers['content-type']), /^application\/json/);
    }
    // A known route answers the same stranger with the same 401: no difference to probe.
    const known = await request(`${s.url}/api/auth/api-keys`);
    assert.equal(known.status, 401);
  });
});

describe('HTTPS (TLS on, generated CA)', () => {
  let s: TestServer;
  let ca: string;
  before(async () => { s = await startTestServer({ tls: true }); ca = s.tls!.caPem!; });
  after(() => s.stop());
  const get = (headers: Record<string, string> = {}, path = '/api/auth/status') => request(`${s.url}${path}`, { ca, headers });

  test('the server speaks https', () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  for (const host of ['127.0.0.1', 'localhost', '[::1]', 'moltis.localhost']) {
    test(`Host ${host}: HSTS without includeSubDomains`, async () => {
      const r = await get({ host: `${host}:${s.port}` });
      assert.equal(r.status, 200);
      assertApiHeaders(r, host);
      assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
    });
  }

  test('Host gw.example.com (a real name): HSTS with includeSubDomains', async () => {
    for (const host of [`gw.example.com:${s.port}`, 'gw.example.com']) {
      const r = await httpsWithHost(`${s.url}/api/auth/status`, host, ca);
      assert.equal(r.status, 200);
      assert.equal(r.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', host);
    }
  });

  test('HSTS is on refusals too (401, 404)', async () => {
    // A remote name with no password set yet: setup required.
    const r401 = await httpsWithHost(`${s.url}/api/nope`, 'gw.example.com', ca);
    assert.equal(r401.status, 401);
    assert.equal(r401.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal(r401.headers['x-content-type-options'], 'nosniff');
    const r404 = await get({}, '/api/nope'); // no password yet: a local caller is the owner
    assert.equal(r404.status, 404);
    assert.equal(r404.headers['strict-transport-security'], 'max-age=31536000');
    assertApiHeaders(r404, '404 over TLS');
  });
});
