import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardedFetch, NetError, type Lookup } from './index.js';
import { DEFAULTS } from '../config/index.js';

/** The configured defaults ([tools.web.fetch]), as the web_fetch tool passes them. */
const f = DEFAULTS.tools.web.fetch;
const LIMITS = { maxBytes: f.max_bytes, timeoutMs: f.timeout_secs * 1000, maxRedirects: f.max_redirects };

// Only loopback is ever dialed. 127.0.0.1 plays "the public internet" (opened by the allowlist
// below); a trap server on 127.0.0.2 plays "the private network": the guard must refuse it, and
// if the guard were removed the dial would still stay on this machine and show up as a hit.
const PUBLIC = ['127.0.0.1/32'];

interface Seen {
  path: string;
  host: string | undefined;
  local: string | undefined;
}

function listen(host: string, handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

let origin: { server: http.Server; port: number };
let trap: { server: http.Server; port: number };
const seen: Seen[] = [];
let trapHits = 0;

before(async () => {
  origin = await listen('127.0.0.1', (req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, host: req.headers.host, local: req.socket.localAddress });
    const redirect = (to: string) => res.writeHead(302, { location: to }).end();
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (path === '/hello') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('hello world');
    else if (path === '/big') res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(200_000));
    else if (path === '/rel') res.writeHead(301, { location: '/hello' }).end();
    else if (path === '/to-private-ip') redirect('http://10.0.0.1/');
    else if (path === '/to-encoded-loopback') redirect(`http://0x7f.2:${trap.port}/`);
    else if (path === '/to-private-name') redirect(`http://intranet.test:${trap.port}/`);
    else if (path === '/to-self-name') redirect(`http://public.test:${origin.port}/hello`);
    else if (path === '/to-file') redirect('file:///etc/passwd');
    else if (path === '/loop') redirect('/loop');
    else if (chain) redirect(`/chain/${Number(chain[1]) + 1}`);
    else if (path === '/hang') return; // never answers
    else res.writeHead(404).end('nope');
  });
  trap = await listen('127.0.0.2', (_req, res) => {
    trapHits++;
    res.end('trap');
  });
});

after(() => {
  for (const s of [origin.server, trap.server]) {
    s.closeAllConnections();
    s.close();
  }
});

/** A resolver from a fixed table that counts calls per name. */
function fakeDns(table: Record<string, string[] | ((call: number) => string[])>): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (host: string) => {
    calls.push(host);
    const entry = table[host];
    if (!entry) throw new Error(`ENOTFOUND ${host}`);
    const rows = typeof entry === 'function' ? entry(calls.filter((c) => c === host).length) : entry;
    return rows.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(fn, { calls });
}

const dns = () => fakeDns({ 'public.test': ['127.0.0.1'], 'intranet.test': ['127.0.0.2'] });
const url = (path: string) => `http://public.test:${origin.port}${path}`;

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof NetError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('guardedFetch: an allowed fetch returns the body, dialed at the checked address', async () => {
  const lookup = dns();
  const before = seen.length;
  const r = await guardedFetch(url('/hello'), { ...LIMITS, lookup, allowlist: PUBLIC });
  assert.deepEqual(r, { url: url('/hello'), status: 200, contentType: 'text/plain; charset=utf-8', body: 'hello world', truncated: false, redirects: [] });
  assert.deepEqual(seen.slice(before), [{ path: '/hello', host: `public.test:${origin.port}`, local: '127.0.0.1' }]);
  assert.deepEqual(lookup.calls, ['public.test']);
});

test('guardedFetch: the control works — without the allowlist the same fetch is blocked before any connect', async () => {
  const before = seen.length;
  await rejectsWith(guardedFetch(url('/hello'), { ...LIMITS, lookup: dns() }), 'SSRF_BLOCKED', /loopback address 127\.0\.0\.1/);
  await rejectsWith(guardedFetch(`http://127.0.0.1:${origin.port}/hello`, { ...LIMITS, lookup: dns() }), 'SSRF_BLOCKED');
  await rejectsWith(guardedFetch(`http://0x7f.1:${origin.port}/hello`, { ...LIMITS, lookup: dns() }), 'SSRF_BLOCKED');
  await rejectsWith(guardedFetch(`http://[::ffff:127.0.0.1]:${origin.port}/hello`, { ...LIMITS, lookup: dns() }), 'SSRF_BLOCKED');
  assert.equal(seen.length, before);
});

test('guardedFetch: DNS rebinding — one lookup per hop, and the dial uses the checked answer', async () => {
  // First answer passes the check; every later answer points at the private network.
  const lookup = fakeDns({ 'public.test': (n) => (n === 1 ? ['127.0.0.1'] : ['10.0.0.1']) });
  const before = seen.length;
  const r = await guardedFetch(url('/hello'), { ...LIMITS, lookup, allowlist: PUBLIC });
  assert.equal(r.body, 'hello world');
  assert.equal(seen.at(-1)?.local, '127.0.0.1');
  assert.equal(seen.length, before + 1);
  assert.deepEqual(lookup.calls, ['public.test']);
});

test('guardedFetch: a redirect hop is resolved again and re-checked (rebinding between hops is blocked)', async () => {
  const lookup = fakeDns({ 'public.test': (n) => (n === 1 ? ['127.0.0.1'] : ['10.0.0.1']) });
  await rejectsWith(guardedFetch(url('/to-self-name'), { ...LIMITS, lookup, allowlist: PUBLIC }), 'SSRF_BLOCKED', /rfc1918 address 10\.0\.0\.1/);
  assert.deepEqual(lookup.calls, ['public.test', 'public.test']);
});

test('guardedFetch: redirects to private targets are blocked although the first hop was allowed', async () => {
  const before = seen.length;
  await rejectsWith(guardedFetch(url('/to-private-ip'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'SSRF_BLOCKED', /10\.0\.0\.1/);
  await rejectsWith(guardedFetch(url('/to-private-name'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'SSRF_BLOCKED', /intranet\.test resolves to loopback address 127\.0\.0\.2/);
  await rejectsWith(guardedFetch(url('/to-encoded-loopback'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'SSRF_BLOCKED', /127\.0\.0\.2/);
  await rejectsWith(guardedFetch(url('/to-file'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'BAD_URL', /file:/);
  assert.equal(seen.length, before + 4); // the first hops only
  assert.equal(trapHits, 0);
});

test('guardedFetch: a relative redirect is followed and reported', async () => {
  const r = await guardedFetch(url('/rel'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello world');
  assert.equal(r.url, url('/hello'));
  assert.deepEqual(r.redirects, [url('/hello')]);
});

test('guardedFetch: redirect loops and long chains stop with TOO_MANY_REDIRECTS', async () => {
  await rejectsWith(guardedFetch(url('/loop'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'TOO_MANY_REDIRECTS', /loop/);
  const before = seen.length;
  await rejectsWith(guardedFetch(url('/chain/0'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'TOO_MANY_REDIRECTS', /more than 3/);
  assert.equal(seen.length, before + 4); // the first request plus 3 followed redirects
  await rejectsWith(guardedFetch(url('/chain/0'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC, maxRedirects: 0 }), 'TOO_MANY_REDIRECTS');
});

test('guardedFetch: the body is capped at maxBytes', async () => {
  const r = await guardedFetch(url('/big'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC, maxBytes: 1000 });
  assert.equal(r.truncated, true);
  assert.equal(r.body.length, 1000);
  const whole = await guardedFetch(url('/big'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC });
  assert.equal(whole.truncated, false);
  assert.equal(whole.body.length, 200_000);
  const exact = await guardedFetch(url('/hello'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC, maxBytes: 11 });
  assert.equal(exact.truncated, false);
  assert.equal(exact.body, 'hello world');
});

test('guardedFetch: a server that never answers times out', async () => {
  const t0 = Date.now();
  await rejectsWith(guardedFetch(url('/hang'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC, timeoutMs: 300 }), 'TIMEOUT');
  assert.ok(Date.now() - t0 < 3000);
});

test('guardedFetch: the timeout also covers a resolver that never answers', async () => {
  const lookup: Lookup = () => new Promise(() => {});
  await rejectsWith(guardedFetch(url('/hello'), { ...LIMITS, lookup, timeoutMs: 200 }), 'TIMEOUT');
});

test('guardedFetch: non-2xx is a result, bad input and dead ports are NetErrors', async () => {
  const r = await guardedFetch(url('/missing'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC });
  assert.equal(r.status, 404);
  await rejectsWith(guardedFetch('ftp://public.test/', { ...LIMITS, lookup: dns() }), 'BAD_URL');
  await rejectsWith(guardedFetch(`http://u:p@public.test:${origin.port}/hello`, { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'BAD_URL');
  await rejectsWith(guardedFetch('http://unknown.test/', { ...LIMITS, lookup: dns() }), 'FETCH_FAILED', /DNS resolution failed/);
  const dead = await listen('127.0.0.1', () => {});
  dead.server.close();
  await rejectsWith(guardedFetch(`http://public.test:${dead.port}/`, { ...LIMITS, lookup: dns(), allowlist: PUBLIC }), 'FETCH_FAILED', /ECONNREFUSED/);
});

test('guardedFetch: a caller cannot override the Host header', async () => {
  await guardedFetch(url('/hello'), { ...LIMITS, lookup: dns(), allowlist: PUBLIC, headers: { Host: 'metadata.google.internal', 'X-Test': '1' } });
  assert.equal(seen.at(-1)?.host, `public.test:${origin.port}`);
});

test('guardedFetch: IPv6 literals and AAAA answers are dialed at the checked address', async () => {
  const v6 = http.createServer((req, res) => res.end(`${req.socket.localAddress} ${req.headers.host}`));
  await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
  const port = (v6.address() as AddressInfo).port;
  try {
    const lookup: Lookup = async () => [{ address: '::1', family: 6 }];
    assert.equal((await guardedFetch(`http://[::1]:${port}/`, { ...LIMITS, allowlist: ['::1/128'] })).body, `::1 [::1]:${port}`);
    assert.equal((await guardedFetch(`http://v6.test:${port}/`, { ...LIMITS, lookup, allowlist: ['::1/128'] })).body, `::1 v6.test:${port}`);
    await rejectsWith(guardedFetch(`http://v6.test:${port}/`, { ...LIMITS, lookup }), 'SSRF_BLOCKED', /loopback address ::1/);
  } finally {
    v6.close();
  }
});
