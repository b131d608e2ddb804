/**
 * Cross-site WebSocket hijacking and CSRF, over real sockets. The attacker is a page on another
 * origin in the victim's browser: it cannot set Host or X-Forwarded-* on a WebSocket, but the
 * browser attaches the victim's cookie, and the victim's machine is "local" (Tier 2).
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, setupPassword, createKey, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';
import { WsClient, wsUrl } from '../support/ws.js';

/** 101 when the upgrade is accepted (socket closed again), else the refusal's HTTP status. */
async function upgrade(url: string, headers: Record<string, string> = {}, ca?: string): Promise<number> {
  try {
    const c = await WsClient.open(url, headers, ca ? { ca } : {});
    c.close();
    return 101;
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === undefined) throw e;
    return status;
  }
}

/** Sends raw bytes and reports the status line and whether the server closed the socket. */
function rawExchange(port: number, text: string, waitMs = 2000): Promise<{ statusLine: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve({ statusLine: data.split('\r\n')[0] ?? '', closedByServer: false }); }, waitMs);
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', reject);
    sock.on('close', () => { clearTimeout(timer); resolve({ statusLine: data.split('\r\n')[0] ?? '', closedByServer: true }); });
  });
}

const upgradeRequest = (port: number, path: string, extra: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\n${extra}` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('CSWSH against a local gateway with no password (Tier 2: the most to lose)', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());

  for (const path of ['/ws', '/ws/chat']) {
    for (const origin of ['https://evil.com', 'null', 'http://localhost.evil.com', 'http://127.0.0.1.evil.com']) {
      test(`${path} with Origin: ${origin} → 403 before the upgrade`, async () => {
        assert.equal(await upgrade(wsUrl(s.url, path), { origin }), 403);
      });
    }
    test(`${path} from the same host on another port → 403`, async () => {
      assert.equal(await upgrade(wsUrl(s.url, path), { origin: `http://127.0.0.1:${s.port + 1}` }), 403);
    });
    test(`${path} same origin → 101 and connect gets local trust (contrast)`, async () => {
      const c = await WsClient.open(wsUrl(s.url, path), { origin: `http://127.0.0.1:${s.port}` });
      const hello = await c.connect();
      assert.equal(hello.ok, true, JSON.stringify(hello));
      c.close();
    });
  }

  test('Origin http://localhost:<port> with Host 127.0.0.1:<port> → accepted (loopback names are one host)', async () => {
    assert.equal(await upgrade(wsUrl(s.url), { origin: `http://localhost:${s.port}`, host: `127.0.0.1:${s.port}` }), 101);
  });

  test('no Origin (CLI, SDK) → accepted', async () => {
    assert.equal(await upgrade(wsUrl(s.url)), 101);
  });

  test('DNS rebinding: Origin and Host both evil.com pass the origin check but get no local trust', async () => {
    const evil = `evil.com:${s.port}`;
    // Same-origin on paper; the locality check refuses the non-loopback Host (setup required).
    assert.equal(await upgrade(wsUrl(s.url), { origin: `http://${evil}`, host: evil }), 401);
    assert.equal(await upgrade(wsUrl(s.url), { host: `localhost:${s.port}` }), 101);
  });

  test('a refused upgrade is answered and its socket closed (no leaked sockets)', async () => {
    const cases = [
      { path: '/ws', extra: 'Upgrade: websocket\r\nOrigin: https://evil.com\r\n', status: '403' },
      { path: '/ws%zz', extra: 'Upgrade: websocket\r\n', status: '400' }, // router error, before any hook
    ];
    for (const c of cases) {
      const r = await rawExchange(s.port, upgradeRequest(s.port, c.path, c.extra));
      assert.match(r.statusLine, new RegExp(`^HTTP/1.1 ${c.status} `), c.path);
      assert.equal(r.closedByServer, true, `socket of a refused ${c.path} upgrade left open`);
    }
    // Contrast: an accepted upgrade stays open.
    const ok = await rawExchange(s.port, upgradeRequest(s.port, '/ws', 'Upgrade: websocket\r\n'), 300);
    assert.match(ok.statusLine, /^HTTP\/1.1 101 /);
    assert.equal(ok.closedByServer, false);
  });
});

describe('CSWSH against the TLS listener: the scheme is part of the origin', () => {
  let s: TestServer;
  let ca: string;
  before(async () => { s = await startTestServer({ tls: true }); ca = s.tls!.caPem!; });
  after(() => s.stop());

  for (const path of ['/ws', '/ws/chat']) {
    // A plain-HTTP page (any local dev server, or one a network attacker injects into) is another
    // origin than ours: before, the Host's missing port was taken from the Origin's scheme (80).
    test(`${path}: Origin http://localhost with Host localhost → 403`, async () => {
      assert.equal(await upgrade(wsUrl(s.url, path), { origin: 'http://localhost', host: 'localhost' }, ca), 403);
    });
    // Before, schemes were never compared: same host and port passed.
    test(`${path}: Origin http://127.0.0.1:<our port> → 403`, async () => {
      assert.equal(await upgrade(wsUrl(s.url, path), { origin: `http://127.0.0.1:${s.port}` }, ca), 403);
      assert.equal(await upgrade(wsUrl(s.url, path), { origin: `ws://127.0.0.1:${s.port}` }, ca), 403);
    });
    test(`${path}: contrast: https:// (and wss://) of the same host and port → 101, and connect gets local trust`, async () => {
      assert.equal(await upgrade(wsUrl(s.url, path), { origin: `wss://localhost:${s.port}`, host: `localhost:${s.port}` }, ca), 101);
      const c = await WsClient.open(wsUrl(s.url, path), { origin: `https://127.0.0.1:${s.port}` }, { ca });
      const hello = await c.connect();
      c.close();
      assert.equal(hello.ok, true, JSON.stringify(hello));
    });
  }

  test('a missing Host port is the listener\'s default (443), never the Origin scheme\'s', async () => {
    assert.equal(await upgrade(wsUrl(s.url), { origin: 'https://localhost', host: 'localhost' }, ca), 101);
    assert.equal(await upgrade(wsUrl(s.url), { origin: 'https://localhost:80', host: 'localhost' }, ca), 403);
  });

  test('CSRF over TLS: POST /api/rpc with Origin http://127.0.0.1:<our port> → 403; https:// → 200', async () => {
    const post = (origin: string) => request(`${s.url}/api/rpc`, { method: 'POST', headers: { origin }, body: { method: 'status' }, ca });
    const evil = await post(`http://127.0.0.1:${s.port}`);
    assert.equal(evil.status, 403);
    assert.equal(evil.json.code, 'ORIGIN_REJECTED');
    assert.equal((await post(`https://127.0.0.1:${s.port}`)).status, 200);
  });
});

describe('behind a reverse proxy (MOLTIS_BEHIND_PROXY=true, TLS at the proxy)', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' } }); });
  after(() => s.stop());
  const proxied = (origin: string, forwardedHost?: string, proto: string | null = 'https') => ({
    host: `127.0.0.1:${s.port}`, origin, 'x-forwarded-for': '203.0.113.20',
    ...(forwardedHost ? { 'x-forwarded-host': forwardedHost } : {}),
    ...(proto !== null ? { 'x-forwarded-proto': proto } : {}),
  });

  test('the public name and scheme from X-Forwarded-Host/-Proto match its Origin → passes, then needs auth (401)', async () => {
    assert.equal(await upgrade(wsUrl(s.url), proxied('https://chat.example.com', 'chat.example.com')), 401);
  });
  test('contrast: the same Origin without X-Forwarded-Host is cross-origin → 403', async () => {
    assert.equal(await upgrade(wsUrl(s.url), proxied('https://chat.example.com')), 403);
  });
  test('Origin: https://evil.com → 403', async () => {
    assert.equal(await upgrade(wsUrl(s.url), proxied('https://evil.com', 'chat.example.com')), 403);
  });
  test('the scheme counts: an http:// page when the proxy says https → 403', async () => {
    assert.equal(await upgrade(wsUrl(s.url), proxied('http://chat.example.com', 'chat.example.com')), 403);
  });
  test('no X-Forwarded-Proto: the listener\'s http, so an https:// Origin is not proven ours → 403', async () => {
    assert.equal(await upgrade(wsUrl(s.url), proxied('https://chat.example.com', 'chat.example.com', null)), 403);
    assert.equal(await upgrade(wsUrl(s.url), proxied('http://chat.example.com', 'chat.example.com', null)), 401);
  });
  test('X-Forwarded-Port fills the public port; an unreadable X-Forwarded-Proto is refused', async () => {
    const headers = { ...proxied('https://chat.example.com:8443', 'chat.example.com'), 'x-forwarded-port': '8443' };
    assert.equal(await upgrade(wsUrl(s.url), headers), 401);
    assert.equal(await upgrade(wsUrl(s.url), { ...headers, origin: 'https://chat.example.com' }), 403);
    assert.equal(await upgrade(wsUrl(s.url), proxied('https://chat.example.com', 'chat.example.com', 'gopher')), 403);
  });
});

describe('behind a proxy, X-Forwarded-Host from a peer outside trusted_proxies', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' }, toml: 'trusted_proxies = ["10.0.0.0/8"]\n' }); });
  after(() => s.stop());
  test('is ignored: the Origin is compared with Host → 403', async () => {
    const headers = { host: `127.0.0.1:${s.port}`, origin: 'https://chat.example.com', 'x-forwarded-host': 'chat.example.com' };
    assert.equal(await upgrade(wsUrl(s.url), headers), 403);
  });
});

describe('[server] allowed_origins', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ toml: 'allowed_origins = ["https://app.example.com"]\n' }); });
  after(() => s.stop());

  test('the listed origin is accepted', async () => {
    assert.equal(await upgrade(wsUrl(s.url), { origin: 'https://app.example.com' }), 101);
  });
  for (const origin of ['https://evil.com', 'http://app.example.com', 'https://app.example.com:8443', 'https://x.app.example.com']) {
    test(`${origin} is not`, async () => {
      assert.equal(await upgrade(wsUrl(s.url), { origin }), 403);
    });
  }
});

describe('CSRF and CSWSH with the owner cookie (Tier 1)', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => { s = await startTestServer(); cookie = await setupPassword(s); });
  after(() => s.stop());
  const status = (headers: Record<string, string>) =>
    request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie, ...headers }, body: { method: 'status' } });

  test('POST /api/rpc with the cookie and Origin: https://evil.com → 403 ORIGIN_REJECTED', async () => {
    const r = await status({ origin: 'https://evil.com' });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'ORIGIN_REJECTED');
  });
  test('Origin: null (sandboxed iframe) → 403', async () => {
    assert.equal((await status({ origin: 'null' })).status, 403);
  });
  test('the attack works without the control: same cookie with no Origin / same Origin → 200', async () => {
    assert.equal((await status({})).status, 200);
    assert.equal((await status({ origin: `http://127.0.0.1:${s.port}` })).status, 200);
  });
  test('a text/plain "simple" POST (no preflight) is refused just the same', async () => {
    const r = await request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie, origin: 'https://evil.com', 'content-type': 'text/plain' }, body: '{"method":"status"}' });
    assert.equal(r.status, 403);
  });

  test('a forged key creation is refused and creates nothing', async () => {
    const evil = await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { cookie, origin: 'https://evil.com' }, body: { label: 'pwned', scopes: ['operator.admin'] } });
    assert.equal(evil.status, 403);
    const list = await request(`${s.url}/api/auth/api-keys`, { headers: { cookie } });
    assert.deepEqual(list.json.api_keys.map((k: { label: string }) => k.label), []);
    await createKey(s, cookie, ['operator.read'], 'legit'); // contrast: no Origin → created
    const now = await request(`${s.url}/api/auth/api-keys`, { headers: { cookie } });
    assert.deepEqual(now.json.api_keys.map((k: { label: string }) => k.label), ['legit']);
  });

  test('login CSRF: POST /api/auth/login from evil.com → 403; same origin → 200', async () => {
    const body = { password: PASSWORD };
    const evil = await request(`${s.url}/api/auth/login`, { method: 'POST', headers: { origin: 'https://evil.com' }, body });
    assert.equal(evil.status, 403);
    assert.equal(evil.json.code, 'ORIGIN_REJECTED');
    const ok = await request(`${s.url}/api/auth/login`, { method: 'POST', headers: { origin: `http://localhost:${s.port}` }, body });
    assert.equal(ok.status, 200);
  });

  test('a GET with a foreign Origin is not blocked by the origin check (the browser keeps the body)', async () => {
    const r = await request(`${s.url}/api/auth/api-keys`, { headers: { cookie, origin: 'https://evil.com' } });
    assert.equal(r.status, 200);
  });

  test('an upgrade the gate refuses for lack of credentials is closed too, whatever its Upgrade value', async () => {
    for (const proto of ['websocket', 'h2c']) {
      const r = await rawExchange(s.port, upgradeRequest(s.port, '/api/rpc', `Upgrade: ${proto}\r\n`));
      assert.match(r.statusLine, /^HTTP\/1.1 401 /, proto);
      assert.equal(r.closedByServer, true, `socket of a refused ${proto} upgrade left open`);
    }
  });

  test('WebSocket with the victim cookie and Origin: https://evil.com → 403; same cookie, no Origin → 101', async () => {
    assert.equal(await upgrade(wsUrl(s.url), { cookie, origin: 'https://evil.com' }), 403);
    const c = await WsClient.open(wsUrl(s.url), { cookie });
    const hello = await c.connect();
    assert.equal(hello.ok, true, 'the cookie alone authenticates the socket: the Origin check is the only barrier');
    c.close();
  });
});
