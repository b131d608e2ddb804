/**
 * The gateway behind real nginx and real Caddy, configured with exactly the recipe files of
 * docs/deploy/ (see proxies.ts), TLS at the proxy, the gateway on loopback with
 * MOLTIS_BEHIND_PROXY=true and --no-tls. Clients come from distinct loopback addresses
 * (127.0.0.2, 127.0.0.3, …), so "a client" below is a real TCP peer of the proxy.
 *
 * Through each proxy: no request is ever local (tier 3 before setup, the setup code required);
 * the login throttle and the login guard key on the real client address, and a client-written
 * X-Forwarded-For neither escapes its own bucket nor charges another's; Retry-After survives the
 * proxy; forwarding headers a client writes (Host, Proto, Port) do not reach the origin check;
 * WebSocket upgrades work from the public origin and are refused from any other.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { request, type RawResponse } from '../support/http.js';
import type { ClientOptions } from 'ws';
import { WsClient } from '../support/ws.js';
import { CADDY, NGINX, PUBLIC_HOST, skipReason, startCaddy, startNginx, type RunningProxy } from './proxies.js';

// Tight limits so the tests reach them quickly; the guard's threshold sits above the login
// throttle's so the throttle test never bans its client.
const TOML = '[server.throttle]\nlogin_max = 3\n[auth.login_guard]\nban_threshold = 4\n';

/** ws passes TLS options on to node; its types lack `servername` (SNI: the proxy picks its certificate by it). */
const wsTls = (p: RunningProxy) => ({ ca: p.ca, servername: PUBLIC_HOST, localAddress: '127.0.0.20' }) as ClientOptions;

const PROXIES = [
  { kind: 'nginx', bin: NGINX, start: startNginx },
  { kind: 'caddy', bin: CADDY, start: startCaddy },
] as const;

for (const { kind, bin, start } of PROXIES) {
  describe(`behind ${kind} (docs/deploy recipe)`, { skip: skipReason(bin) }, () => {
    let s: TestServer;
    let proxy: RunningProxy;
    let root: string;
    let cookie = '';

    /** A request through the proxy from client address `from`, as a browser at the public host sends it. */
    const via = (path: string, from: string, o: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<RawResponse> =>
      request(`https://127.0.0.1:${proxy.port}${path}`, { ...o, ca: proxy.ca, localAddress: from, headers: { host: `${PUBLIC_HOST}:${proxy.port}`, ...o.headers } });
    const login = (from: string, headers: Record<string, string> = {}) => via('/api/auth/login', from, { method: 'POST', body: { password: 'wrong password' }, headers });
    const setup = (from: string, code: string, headers: Record<string, string> = {}) => via('/api/auth/setup', from, { method: 'POST', body: { password: PASSWORD, setup_code: code }, headers });
    const openWs = (path: string, headers: Record<string, string>) => WsClient.open(`wss://127.0.0.1:${proxy.port}${path}`, { host: `${PUBLIC_HOST}:${proxy.port}`, ...headers }, wsTls(proxy));

    before(async () => {
      root = mkdtempSync(join(tmpdir(), `moltis-${kind}-`));
      s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' }, toml: TOML });
      proxy = await start({ dir: root, upstreamPort: s.port });
    });
    after(async () => {
      await proxy?.stop();
      await s?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    test('no request is local: tier 3 before setup, and the status says a setup code is required', async () => {
      const st = await via('/api/auth/status', '127.0.0.2');
      assert.equal(st.status, 200, st.text);
      assert.equal(st.json.setup_required, true);
      assert.equal(st.json.setup_code_required, true);
      const rpc = await via('/api/rpc', '127.0.0.2', { method: 'POST', body: { method: 'status' } });
      assert.equal(rpc.status, 401, rpc.text);
      assert.equal(rpc.json.code, 'AUTH_SETUP_REQUIRED');
      // Even a client that claims to be the machine itself.
      const spoof = await via('/api/rpc', '127.0.0.2', { method: 'POST', body: { method: 'status' }, headers: { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' } });
      assert.equal(spoof.status, 401, spoof.text);
      const noCode = await via('/api/auth/setup', '127.0.0.2', { method: 'POST', body: { password: PASSWORD } });
      assert.equal(noCode.status, 403, noCode.text);
      assert.equal(noCode.json.code, 'SETUP_CODE_INVALID');
    });

    test('the login throttle keys on the real client address; Retry-After survives the proxy', async () => {
      for (let i = 0; i < 3; i++) assert.notEqual((await login('127.0.0.3')).status, 429, `attempt ${i + 1}`);
      const limited = await login('127.0.0.3');
      assert.equal(limited.status, 429, limited.text);
      assert.equal(limited.json.code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After: ${limited.headers['retry-after']}`);
      assert.equal(limited.json.retry_after_seconds, Number(limited.headers['retry-after']));
      // A client-written X-Forwarded-For does not open a fresh bucket…
      for (const xff of ['203.0.113.9', '127.0.0.9', '203.0.113.9, 198.51.100.1']) {
        assert.equal((await login('127.0.0.3', { 'x-forwarded-for': xff })).status, 429, `escaped with X-Forwarded-For: ${xff}`);
      }
      assert.equal((await login('127.0.0.3', { 'x-real-ip': '203.0.113.10' })).status, 429);
      // …nor charges another client's: 127.0.0.4 naming 127.0.0.3 is still 127.0.0.4.
      assert.notEqual((await login('127.0.0.4', { 'x-forwarded-for': '127.0.0.3' })).status, 429);
      assert.notEqual((await login('127.0.0.5')).status, 429);
    });

    test('the login guard bans the guessing client only, whatever X-Forwarded-For it writes', async () => {
      for (let i = 0; i < 4; i++) {
        const r = await setup('127.0.0.6', 'WRONGCOD', { 'x-forwarded-for': `198.51.100.${i}` });
        assert.equal(r.status, 403, `guess ${i + 1}: ${r.text}`);
      }
      // Banned: even the right code is refused from this client, under any claimed address.
      for (const headers of [{}, { 'x-forwarded-for': '198.51.100.77' }] as Array<Record<string, string>>) {
        const r = await setup('127.0.0.6', s.code(), headers);
        assert.equal(r.status, 429, r.text);
        assert.equal(r.json.code, 'LOGIN_BLOCKED');
        assert.ok(Number(r.headers['retry-after']) >= 60, `Retry-After: ${r.headers['retry-after']}`);
      }
      // Another client naming the banned one is not banned, and the owner is not locked out.
      const other = await setup('127.0.0.7', 'WRONGCOD', { 'x-forwarded-for': '127.0.0.6' });
      assert.equal(other.status, 403, other.text);
      assert.equal(other.json.code, 'SETUP_CODE_INVALID');
    });

    test('setup through the proxy with the code: a Secure cookie (the browser leg is HTTPS)', async () => {
      const r = await setup('127.0.0.8', s.code());
      assert.equal(r.status, 200, r.text);
      const sc = String(r.headers['set-cookie']);
      assert.match(sc, /moltis_session=[^;]+/);
      assert.match(sc, /;\s*Secure/i);
      cookie = /moltis_session=[^;]*/.exec(sc)![0];
      const who = await via('/api/rpc', '127.0.0.8', { method: 'POST', body: { method: 'auth.whoami' }, headers: { cookie } });
      assert.equal(who.status, 200, who.text);
      assert.equal(who.json.payload.method, 'session');
    });

    test('WebSocket upgrade through the proxy from the public origin: /ws and /ws/chat', async () => {
      for (const path of ['/ws', '/ws/chat']) {
        const ws = await openWs(path, { origin: proxy.origin, cookie });
        try {
          const hello = await ws.connect();
          assert.equal(hello.ok, true, JSON.stringify(hello));
          const h = await ws.request('health');
          assert.equal(h.ok, true, JSON.stringify(h));
        } finally { ws.close(); }
      }
    });

    test('the origin check refuses every other origin, and client-written forwarding headers do not move it', async () => {
      const refused = async (headers: Record<string, string>) => {
        await assert.rejects(openWs('/ws', { cookie, ...headers }), (err: Error & { status?: number }) => err.status === 403, JSON.stringify(headers));
      };
      await refused({ origin: 'https://evil.example' });
      await refused({ origin: `https://${PUBLIC_HOST}` }); // the port is part of the origin
      await refused({ origin: `http://${PUBLIC_HOST}:${proxy.port}` }); // so is the scheme
      await refused({ origin: `https://${PUBLIC_HOST}.evil.example:${proxy.port}` });
      // The proxy overwrites or drops what a client says about the host, scheme and port.
      await refused({ origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' });
      await refused({ origin: `http://${PUBLIC_HOST}:${proxy.port}`, 'x-forwarded-proto': 'http' });
      await refused({ origin: `https://${PUBLIC_HOST}:9`, 'x-forwarded-port': '9' });
      // A Host without a port (the browser's on port 443) is where a passed-on X-Forwarded-Port would count.
      await refused({ origin: `https://${PUBLIC_HOST}:9`, 'x-forwarded-port': '9', host: PUBLIC_HOST });
      await refused({ origin: 'https://evil.example', forwarded: 'host=evil.example;proto=https' });
    });

    test('bodies above the recipe\'s limit are stopped at the proxy', async () => {
      const r = await via('/api/auth/login', '127.0.0.9', { method: 'POST', body: JSON.stringify({ password: 'x'.repeat(3 * 1024 * 1024) }) });
      assert.equal(r.status, 413);
    });

    if (kind === 'nginx') {
      test('plain HTTP on the recipe\'s port 80 server redirects to the public HTTPS origin', async () => {
        const r = await request(`http://127.0.0.1:${proxy.redirectPort}/chat?x=1`, { headers: { host: PUBLIC_HOST } });
        assert.equal(r.status, 308);
        assert.equal(r.headers.location, `${proxy.origin}/chat?x=1`);
      });
    }
  });
}
