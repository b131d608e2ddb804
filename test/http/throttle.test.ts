/**
 * The per-IP throttle and the login guard, over real sockets: limits, Retry-After, what the
 * bucket is keyed on (never a header the client chose), the authenticated bypass, the window
 * (with an injected clock), and the per-IP ban with no account-wide lockout.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, setupPassword, createKey, PASSWORD, type TestServer } from '../support/server.js';
import { request, type RawResponse } from '../support/http.js';
import { WsClient, wsUrl } from '../support/ws.js';

const PROXY = { MOLTIS_BEHIND_PROXY: 'true' };

const login = (s: TestServer, password: string, headers: Record<string, string> = {}, localAddress?: string) =>
  request(`${s.url}/api/auth/login`, { method: 'POST', headers, body: { password }, ...(localAddress ? { localAddress } : {}) });

/** Behind a proxy nothing is local, so setup needs the printed code; returns the owner cookie. */
async function setupRemote(s: TestServer, xff: string): Promise<string> {
  const r = await request(`${s.url}/api/auth/setup`, { method: 'POST', headers: { 'x-forwarded-for': xff }, body: { password: PASSWORD, setup_code: s.code() } });
  assert.equal(r.status, 200, r.text);
  const m = /moltis_session=[^;]*/.exec(String(r.headers['set-cookie']));
  assert.ok(m);
  return m[0];
}

function assertRateLimited(r: RawResponse): void {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.code, 'RATE_LIMITED');
  assert.ok(Number(r.headers['retry-after']) >= 1, `Retry-After: ${r.headers['retry-after']}`);
  assert.ok(r.json.retry_after_seconds >= 1);
}

/** `n` wrong logins, each of which must be an ordinary 401. */
async function failLogins(s: TestServer, n: number, headers: (i: number) => Record<string, string> = () => ({}), localAddress?: string) {
  for (let i = 0; i < n; i++) {
    const r = await login(s, 'wrong password', headers(i), localAddress);
    assert.equal(r.status, 401, `attempt ${i + 1}: ${r.text}`);
  }
}

describe('login throttle, direct connections (default login_max = 5)', () => {
  test('five failed logins are 401, the sixth is 429 with Retry-After', async (t) => {
    const s = await startTestServer();
    t.after(() => s.stop());
    await setupPassword(s);
    await failLogins(s, 5);
    const r = await login(s, 'wrong password');
    assertRateLimited(r);
    assert.ok(r.json.retry_after_seconds <= 60);
    // Even the right password waits: the throttle answers before any password check.
    assert.equal((await login(s, PASSWORD)).status, 429);
  });

  test('rotating X-Forwarded-For when not behind a proxy does not escape the bucket', async (t) => {
    const s = await startTestServer();
    t.after(() => s.stop());
    await setupPassword(s);
    await failLogins(s, 5, (i) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));
    assertRateLimited(await login(s, 'wrong password', { 'x-forwarded-for': '198.51.100.99' }));
    // The bucket is the TCP peer's, kept apart by locality: remote-looking guesses from this
    // address never spend the budget of the genuinely local owner.
    assert.equal((await login(s, 'wrong password')).status, 401);
  });
});

describe('login throttle behind a proxy (trusted_proxies default: 127.0.0.1/32, ::1/128)', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ env: PROXY }); await setupRemote(s, '192.0.2.1'); });
  after(() => s.stop());

  test('two right-most client IPs get separate buckets', async () => {
    const a = { 'x-forwarded-for': '203.0.113.10' };
    await failLogins(s, 5, () => a);
    assertRateLimited(await login(s, 'wrong password', a));
    assert.equal((await login(s, 'wrong password', { 'x-forwarded-for': '203.0.113.11' })).status, 401);
  });

  test('a spoofed left-most entry is ignored: the bucket is the address our proxy appended', async () => {
    const xff = (i: number) => ({ 'x-forwarded-for': `10.${i}.2.3, 203.0.113.5` });
    await failLogins(s, 5, xff);
    assertRateLimited(await login(s, 'wrong password', xff(99)));
    // Contrast: a different appended address is a different client.
    assert.equal((await login(s, 'wrong password', { 'x-forwarded-for': '10.0.2.3, 203.0.113.6' })).status, 401);
  });

  test('a caller that is not a trusted proxy (127.0.0.2) cannot pick its bucket via XFF', async () => {
    await failLogins(s, 5, (i) => ({ 'x-forwarded-for': `203.0.113.${100 + i}` }), '127.0.0.2');
    assertRateLimited(await login(s, 'wrong password', { 'x-forwarded-for': '203.0.113.200' }, '127.0.0.2'));
    // The trusted proxy speaking for 203.0.113.200 is unaffected.
    assert.equal((await login(s, 'wrong password', { 'x-forwarded-for': '203.0.113.200' })).status, 401);
  });
});

describe('authenticated requests bypass the throttle ([server.throttle] api_max = 3)', () => {
  let s: TestServer;
  let cookie: string;
  let key: string;
  before(async () => {
    s = await startTestServer({ toml: '[server.throttle]\napi_max = 3\n' });
    cookie = await setupPassword(s);
    key = (await createKey(s, cookie, ['operator.read'])).key;
  });
  after(() => s.stop());
  const rpc = (headers: Record<string, string> = {}) =>
    request(`${s.url}/api/rpc`, { method: 'POST', headers, body: { method: 'health' } });

  test('unauthenticated: three 401s, then 429; a bogus Bearer key is still unauthenticated', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await rpc()).status, 401);
    assertRateLimited(await rpc());
    assertRateLimited(await rpc({ authorization: 'Bearer mk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
  });

  test('from the same, now limited, IP: 20 calls each with the cookie and the key succeed', async () => {
    for (let i = 0; i < 20; i++) {
      const c = await rpc({ cookie });
      assert.equal(c.status, 200, `cookie call ${i + 1}: ${c.text}`);
      const k = await rpc({ authorization: `Bearer ${key}` });
      assert.equal(k.status, 200, `key call ${i + 1}: ${k.text}`);
      assert.equal(k.json.ok, true);
    }
    assertRateLimited(await rpc()); // the bucket is still exhausted
  });
});

describe('WebSocket upgrade throttle ([server.throttle] ws_max = 2)', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => { s = await startTestServer({ toml: '[server.throttle]\nws_max = 2\n' }); cookie = await setupPassword(s); });
  after(() => s.stop());

  test('the third unauthenticated upgrade → 429; with the cookie it still opens', async () => {
    for (let i = 0; i < 2; i++) (await WsClient.open(wsUrl(s.url))).close();
    await assert.rejects(WsClient.open(wsUrl(s.url)), (e: { status?: number }) => e.status === 429);
    await assert.rejects(WsClient.open(wsUrl(s.url, '/ws/chat')), (e: { status?: number }) => e.status === 429);
    const c = await WsClient.open(wsUrl(s.url), { cookie });
    assert.equal((await c.connect()).ok, true);
    c.close();
  });

  test('a throttled upgrade gets Retry-After and its socket is closed (a flood cannot pin sockets)', async () => {
    const r = await new Promise<{ head: string; closed: boolean }>((resolve, reject) => {
      const sock = net.connect(s.port, '127.0.0.1', () => sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n` +
        'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
      let head = '';
      const timer = setTimeout(() => { sock.destroy(); resolve({ head, closed: false }); }, 2000);
      sock.on('data', (d) => { head += d.toString('latin1'); });
      sock.on('error', reject);
      sock.on('close', () => { clearTimeout(timer); resolve({ head, closed: true }); });
    });
    assert.match(r.head, /^HTTP\/1.1 429 /);
    assert.match(r.head, /\r\nretry-after: \d+\r\n/i);
    assert.equal(r.closed, true);
  });
});

describe('the window resets after 60 s (injected clock)', () => {
  let t = Date.parse('2026-03-01T12:00:00Z');
  let s: TestServer;
  before(async () => { s = await startTestServer({ now: () => t }); await setupPassword(s); });
  after(() => s.stop());

  test('limited at 0 s, still limited at 59 s with a shrinking Retry-After, open again at 60 s', async () => {
    await failLogins(s, 5);
    const first = await login(s, 'wrong password');
    assertRateLimited(first);
    assert.equal(first.json.retry_after_seconds, 60);
    t += 59_000;
    const later = await login(s, 'wrong password');
    assertRateLimited(later);
    assert.equal(later.json.retry_after_seconds, 1);
    assert.equal(later.headers['retry-after'], '1');
    t += 1_000;
    assert.equal((await login(s, 'wrong password')).status, 401);
    assert.equal((await login(s, PASSWORD)).status, 200);
  });
});

describe('login guard: per-IP ban, no account-wide lockout (login_max = 1000)', () => {
  let s: TestServer;
  let owner: string;
  before(async () => {
    s = await startTestServer({ env: PROXY, toml: '[server.throttle]\nlogin_max = 1000\n' });
    owner = await setupRemote(s, '192.0.2.1');
  });
  after(() => s.stop());
  const attacker = { 'x-forwarded-for': '203.0.113.66' };

  test('ten wrong passwords → the eleventh, even the right one, is 429 LOGIN_BLOCKED', async () => {
    await failLogins(s, 10, () => attacker);
    const r = await login(s, PASSWORD, attacker);
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json.code, 'LOGIN_BLOCKED');
    assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.ok(r.json.retry_after_seconds >= 1);
  });

  test('an ip_banned audit row names the attacker address', async () => {
    const r = await request(`${s.url}/api/auth/audit?type=ip_banned`, { headers: { cookie: owner, 'x-forwarded-for': '192.0.2.1' } });
    assert.equal(r.status, 200, r.text);
    const rows = r.json.entries as Array<{ event_type: string; client_ip: string }>;
    assert.deepEqual(rows.map((e) => [e.event_type, e.client_ip]), [['ip_banned', '203.0.113.66']]);
  });

  test('the owner from another address still logs in', async () => {
    const r = await login(s, PASSWORD, { 'x-forwarded-for': '198.51.100.7' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await login(s, PASSWORD, attacker)).status, 429);
  });
});
