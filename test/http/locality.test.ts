/**
 * "Local" (Tier 2: no password yet, full access without a credential) over real sockets. The
 * attacker is remote and reaches the gateway through a same-host reverse proxy, or is a local
 * process forging headers: any forwarding signal must make the request remote, whatever its
 * name's case or value; and every loopback Host (all of 127/8, mapped, *.localhost) is local.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';

interface RawAnswer { status: number; json: any }

/** One HTTP/1.1 request written byte for byte (header names as given, empty values kept). */
function raw(s: TestServer, o: { method?: string; path: string; headers: Array<[string, string]>; body?: unknown; localAddress?: string }): Promise<RawAnswer> {
  const body = o.body === undefined ? '' : JSON.stringify(o.body);
  const head = [`${o.method ?? 'GET'} ${o.path} HTTP/1.1`, ...o.headers.map(([k, v]) => `${k}: ${v}`), 'Connection: close'];
  if (body !== '') head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port: s.port, host: '127.0.0.1', ...(o.localAddress ? { localAddress: o.localAddress } : {}) }, () => {
      sock.end(`${head.join('\r\n')}\r\n\r\n${body}`);
    });
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { data += d; });
    sock.on('error', reject);
    sock.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(data)?.[1] ?? 0);
      const text = data.slice(data.indexOf('\r\n\r\n') + 4);
      let json: unknown;
      try { json = JSON.parse(text); } catch { json = undefined; }
      resolve({ status, json });
    });
  });
}

/** Mixed case, as a hand-written client (or an attacker hoping for a case-sensitive check) sends. */
const oddCase = (name: string) => name.split('').map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');

// The brief's list of forwarding signals (issue 12 §2).
const SIGNALS = ['X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-Port', 'X-Real-IP',
  'Forwarded', 'CF-Connecting-IP', 'True-Client-IP', 'X-Client-IP', 'Via'];

describe('Tier 2 locality over raw sockets (no password yet)', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());
  const host = (): [string, string] => ['Host', `127.0.0.1:${s.port}`];
  const whoami = (headers: Array<[string, string]>, localAddress?: string) =>
    raw(s, { method: 'POST', path: '/api/rpc', headers, body: { method: 'auth.whoami' }, ...(localAddress ? { localAddress } : {}) });
  const assertRemote = (r: RawAnswer, what: string) => {
    assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json?.code, 'AUTH_SETUP_REQUIRED', what);
  };
  const assertLocal = (r: RawAnswer, what: string) => {
    assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json?.payload?.method, 'loopback', what);
  };

  test('contrast: a plain loopback request is local', async () => {
    assertLocal(await whoami([host()]), 'no forwarding header');
  });

  test('the issue\'s attack: X-Forwarded-Host alone does not buy loopback powers (no admin key is minted)', async () => {
    const mint = (extra: Array<[string, string]>) => raw(s, {
      method: 'POST', path: '/api/auth/api-keys', headers: [host(), ...extra], body: { label: 'via-proxy', scopes: ['operator.admin'] },
    });
    assertRemote(await mint([['X-Forwarded-Host', 'localhost']]), 'X-Forwarded-Host: localhost');
    assertRemote(await mint([['x-forwarded-host', '']]), 'empty X-Forwarded-Host');
    const list = await raw(s, { path: '/api/auth/api-keys', headers: [host()] });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.api_keys, [], 'a key was created through a forwarded request');
  });

  for (const name of SIGNALS) {
    test(`${name} (any case, any value, empty too) makes a loopback request remote`, async () => {
      for (const [spelling, value] of [[name, '127.0.0.1'], [oddCase(name), ''], [name.toUpperCase(), 'localhost']] as const) {
        assertRemote(await whoami([host(), [spelling, value]]), `${spelling}: "${value}"`);
      }
    });
  }

  test('a WebSocket upgrade carrying X-Forwarded-Host gets no local trust; without it, it does', async () => {
    const refused = await WsClient.open(wsUrl(s.url), { 'x-forwarded-host': 'localhost' }).then(
      (c) => { c.close(); return 101; }, (e: { status?: number }) => e.status);
    assert.equal(refused, 401);
    const c = await WsClient.open(wsUrl(s.url));
    const hello = await c.connect();
    c.close();
    assert.equal(hello.ok, true, JSON.stringify(hello));
  });

  test('every loopback Host is local: all of 127/8, mapped, bracketed, *.localhost, with or without a port', async () => {
    for (const h of [`127.0.0.2:${s.port}`, '127.1.2.3', `[::ffff:127.0.0.1]:${s.port}`, `[::1]:${s.port}`, `App.Localhost:${s.port}`, 'localhost']) {
      assertLocal(await whoami([['Host', h]]), `Host: ${h}`);
    }
  });

  test('a peer on 127.0.0.2 naming itself is local', async () => {
    assertLocal(await whoami([['Host', `127.0.0.2:${s.port}`]], '127.0.0.2'), 'peer 127.0.0.2');
  });

  test('non-loopback and look-alike Hosts stay remote', async () => {
    for (const h of [`128.0.0.1:${s.port}`, `localhost.evil.com:${s.port}`, `127.0.0.1.nip.io:${s.port}`, `[::2]:${s.port}`, `[::ffff:10.0.0.1]:${s.port}`]) {
      assertRemote(await whoami([['Host', h]]), `Host: ${h}`);
    }
  });
});
