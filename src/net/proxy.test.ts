import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '../store/index.js';
import { createEgressProxy, createNetworkAudit, trustedDomainsFilter, type EgressProxyOptions, type Lookup, type NetworkAudit, type NetworkAuditEntry } from './index.js';
import { reachesSelf } from './proxy-decide.js';

// Only loopback is ever dialed: names that resolve elsewhere must be refused before any dial,
// and the recording dialer below refuses (and records) any non-loopback attempt anyway.
const TABLE: Record<string, string[]> = {
  'allowed.test': ['127.0.0.1'], 'sub.allowed.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'],
  'private.test': ['10.0.0.5'], 'meta.test': ['169.254.169.254'], 'self.test': ['127.0.0.1'], 'self2.test': ['127.0.0.2'],
};
const lookup: Lookup = async (host) => {
  const rows = TABLE[host];
  if (!rows) throw new Error(`ENOTFOUND ${host}`);
  return rows.map((address) => ({ address, family: 4 as const }));
};

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

let dir: string;
let store: Store;
let audit: NetworkAudit;
const events: NetworkAuditEntry[] = [];
const dials: string[] = [];
let origin: http.Server; let originPort: number; const originSeen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
let echo: net.Server; let echoPort: number;
let gatewayFake: http.Server; let selfPort: number; let selfHits = 0;
const proxies: Array<{ close(): Promise<void> }> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mx-'));
  store = createStore({ path: ':memory:' });
  audit = createNetworkAudit({ store, publish: (_e, p) => events.push(p) });
  origin = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      originSeen.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive', 'x-origin': '1' }).end(req.url === '/hello' ? 'hello world' : `got ${body.length}`);
    });
  });
  originPort = await listen(origin);
  echo = net.createServer((s) => s.pipe(s));
  echoPort = await listen(echo);
  gatewayFake = http.createServer((_q, r) => { selfHits++; r.end('gateway'); });
  selfPort = await listen(gatewayFake);
});
after(async () => {
  for (const p of proxies) await p.close();
  for (const s of [origin, echo, gatewayFake]) { (s as http.Server).closeAllConnections?.(); s.close(); }
  audit.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeProxy(over: Partial<EgressProxyOptions> = {}) {
  const p = createEgressProxy({
    socketDir: join(dir, `run${proxies.length}`),
    filter: trustedDomainsFilter(['allowed.test', '*.allowed.test', 'private.test', 'meta.test', 'self.test', 'self2.test']),
    lookup, allowCidrs: ['127.0.0.1/32'], selfAddresses: [{ host: '127.0.0.1', port: selfPort }],
    audit: (e) => audit.record(e),
    ports: [80, 443, originPort, echoPort, selfPort],
    dial: (o) => {
      dials.push(`${o.host}:${o.port}`);
      if (o.host !== '127.0.0.1') { const s = new net.Socket(); process.nextTick(() => s.destroy(new Error('test dialer: non-loopback'))); return s; }
      return net.connect(o);
    },
    ...over,
  });
  proxies.push(p);
  return p;
}

function get(socketPath: string, url: string, o: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: url, method: o.method ?? 'GET', headers: { host: new URL(url).host, ...o.headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Sends CONNECT on a fresh socket; resolves with the status line and the open socket. */
function connect(socketPath: string, target: string): Promise<{ status: string; head: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath });
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ status: buf.slice(0, buf.indexOf('\r\n')), head: buf, socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`);
  });
}

async function waitFor<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const entryFor = (session: string, domain: string, method?: string) =>
  waitFor(() => events.find((e) => e.sessionKey === session && e.domain === domain && (method === undefined || e.method === method)), `audit entry ${session} ${domain}`);

test('egress proxy: per-session sockets are 0600 in a 0700 dir, one per session, created lazily', async () => {
  const p = makeProxy();
  const a = await p.socketFor('session:a');
  assert.equal(await p.socketFor('session:a'), a);
  const b = await p.socketFor('../../etc/passwd');
  assert.notEqual(a, b);
  assert.equal(statSync(a).mode & 0o777, 0o600);
  assert.equal(statSync(join(a, '..')).mode & 0o777, 0o700);
  assert.ok(b.startsWith(join(a, '..')), 'session keys never become path components');
  await p.closeSession('session:a');
  assert.equal(existsSync(a), false);
  await assert.rejects(get(a, `http://allowed.test:${originPort}/hello`), /ENOENT|ECONNREFUSED/);
});

test('egress proxy: plain HTTP to an allowed name is forwarded to the checked address and counted', async () => {
  const p = makeProxy();
  const sock = await p.socketFor('s-http');
  const r = await get(sock, `http://allowed.test:${originPort}/hello`, { headers: { 'proxy-authorization': 'Basic c2VjcmV0', 'proxy-connection': 'keep-alive', 'x-keep': 'yes' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello world');
  assert.equal(r.headers['x-origin'], '1');
  const seen = originSeen.at(-1)!;
  assert.equal(seen.url, '/hello'); // origin-form upstream
  assert.equal(seen.headers.host, `allowed.test:${originPort}`);
  assert.equal(seen.headers['x-keep'], 'yes');
  assert.equal(seen.headers['proxy-authorization'], undefined, 'proxy credentials are never forwarded');
  assert.equal(seen.headers['proxy-connection'], undefined);
  const e = await entryFor('s-http', 'allowed.test', 'GET');
  assert.equal(e.action, 'allow');
  assert.equal(e.port, originPort);
  assert.equal(e.url, `http://allowed.test:${originPort}/hello`);
  assert.equal(e.bytesDown, 11);
  assert.equal(dials.at(-1), `127.0.0.1:${originPort}`);

  const post = await get(sock, `http://sub.allowed.test:${originPort}/up`, { method: 'POST', body: 'x'.repeat(1000) });
  assert.equal(post.body, 'got 1000');
  const pe = await entryFor('s-http', 'sub.allowed.test', 'POST');
  assert.equal(pe.bytesUp, 1000);
  assert.equal(pe.bytesDown, 8);
  // The table holds the same rows the bus saw.
  assert.ok(audit.list({ limit: 50, session: 's-http' }).some((x) => x.id === pe.id && x.bytesUp === 1000));
});

test('egress proxy: CONNECT tunnels bytes both ways to the checked address, counted, url null', async () => {
  const p = makeProxy();
  const { status, socket } = await connect(await p.socketFor('s-tunnel'), `allowed.test:${echoPort}`);
  assert.equal(status, 'HTTP/1.1 200 Connection Established');
  socket.resume();
  const echoed = new Promise<string>((resolve) => { let got = ''; socket.on('data', (c) => { got += c; if (got.length >= 9) resolve(got); }); });
  socket.write('ping pong');
  assert.equal(await echoed, 'ping pong');
  socket.end();
  const e = await entryFor('s-tunnel', 'allowed.test', 'CONNECT');
  assert.deepEqual({ action: e.action, url: e.url, up: e.bytesUp, down: e.bytesDown, port: e.port }, { action: 'allow', url: null, up: 9, down: 9, port: echoPort });
});

test('egress proxy: refusals answer 403 before any dial, and each is audited with its reason', async () => {
  const p = makeProxy();
  const sock = await p.socketFor('s-deny');
  const dialsBefore = dials.length;
  const hitsBefore = originSeen.length;
  const cases: Array<[string, RegExp]> = [
    [`http://other.test:${originPort}/hello`, /other\.test is not in trusted_domains/],
    [`http://private.test:${originPort}/`, /rfc1918 address 10\.0\.0\.5/],
    [`http://meta.test/latest/meta-data/`, /link-local address 169\.254\.169\.254/],
    [`http://allowed.test:8080/`, /port 8080 is not allowed/],
    [`http://127.0.0.1:${originPort}/hello`, /127\.0\.0\.1 is not in trusted_domains/],
  ];
  for (const [url, reason] of cases) {
    const r = await get(sock, url);
    assert.equal(r.status, 403, url);
    assert.match(r.body, reason, url);
  }
  for (const [target, reason] of [[`other.test:${echoPort}`, /not in trusted_domains/], ['meta.test:443', /169\.254\.169\.254/], [`allowed.test:22`, /port 22/]] as const) {
    const c = await connect(sock, target);
    assert.equal(c.status, 'HTTP/1.1 403 Forbidden', target);
    assert.match(c.head, reason);
    c.socket.destroy();
  }
  assert.equal(dials.length, dialsBefore, 'nothing was dialed');
  assert.equal(originSeen.length, hitsBefore);
  const rows = await waitFor(() => { const l = audit.list({ limit: 50, session: 's-deny' }); return l.length === 8 ? l : undefined; }, '8 rows');
  assert.ok(rows.every((r) => r.action === 'deny' && r.reason.length > 0 && r.sessionKey === 's-deny'));
  assert.deepEqual(rows.filter((r) => r.method === 'CONNECT').map((r) => r.url), [null, null, null]);
  assert.ok(events.filter((e) => e.sessionKey === 's-deny').length === 8, 'every entry was published');
});

test('egress proxy: loopback is refused without the CIDR allowance (the control works)', async () => {
  const p = makeProxy({ allowCidrs: [] });
  const sock = await p.socketFor('s-nocidr');
  const dialsBefore = dials.length;
  const r = await get(sock, `http://allowed.test:${originPort}/hello`);
  assert.equal(r.status, 403);
  assert.match(r.body, /loopback address 127\.0\.0\.1/);
  const c = await connect(sock, `allowed.test:${echoPort}`);
  assert.equal(c.status, 'HTTP/1.1 403 Forbidden');
  c.socket.destroy();
  assert.equal(dials.length, dialsBefore);
});

test("egress proxy: the gateway's own address is refused even when its CIDR is allowed", async () => {
  const p = makeProxy({ allowCidrs: ['127.0.0.0/8'] });
  const sock = await p.socketFor('s-self');
  const dialsBefore = dials.length;
  const r = await get(sock, `http://self.test:${selfPort}/api/rpc`);
  assert.equal(r.status, 403);
  assert.match(r.body, /the gateway itself/);
  // Another loopback address on the same port reaches a loopback-bound gateway just as well.
  const c = await connect(sock, `self2.test:${selfPort}`);
  assert.equal(c.status, 'HTTP/1.1 403 Forbidden');
  c.socket.destroy();
  assert.equal(selfHits, 0);
  assert.equal(dials.length, dialsBefore);
  const e = await entryFor('s-self', 'self.test');
  assert.equal(e.action, 'deny');
  // The same name on another port is an ordinary allowed destination.
  assert.equal((await get(sock, `http://self.test:${originPort}/hello`)).status, 200);
});

test('reachesSelf: exact, loopback-bound, wildcard-bound and mapped forms', () => {
  const local = () => ['192.168.1.20'];
  assert.equal(reachesSelf('127.0.0.1', 8080, [{ host: '127.0.0.1', port: 8080 }], local), true);
  assert.equal(reachesSelf('127.0.0.1', 8081, [{ host: '127.0.0.1', port: 8080 }], local), false);
  assert.equal(reachesSelf('::ffff:127.0.0.9', 8080, [{ host: '127.0.0.1', port: 8080 }], local), true);
  assert.equal(reachesSelf('0.0.0.0', 8080, [{ host: '127.0.0.1', port: 8080 }], local), true);
  assert.equal(reachesSelf('192.168.1.20', 8080, [{ host: '0.0.0.0', port: 8080 }], local), true);
  assert.equal(reachesSelf('192.168.1.21', 8080, [{ host: '0.0.0.0', port: 8080 }], local), false);
  assert.equal(reachesSelf('::1', 8080, [{ host: '::', port: 8080 }], local), true);
  assert.equal(reachesSelf('93.184.216.34', 443, [{ host: '0.0.0.0', port: 443 }], local), false);
});

test('egress proxy: header size and connections per session are bounded', async () => {
  const p = makeProxy({ limits: { maxHeaderBytes: 2048, maxConnectionsPerSession: 2 } });
  const sock = await p.socketFor('s-bounds');
  const big = await get(sock, `http://allowed.test:${originPort}/hello`, { headers: { 'x-big': 'a'.repeat(8192) } }).catch((e: Error) => ({ status: -1, body: e.message }));
  assert.ok(big.status === 431 || big.status === -1, `status ${big.status}`);
  const held = [await connect(sock, `allowed.test:${echoPort}`), await connect(sock, `allowed.test:${echoPort}`)];
  const third = net.connect({ path: sock });
  const outcome = await new Promise<string>((resolve) => {
    third.on('data', () => resolve('answered'));
    third.on('close', () => resolve('closed'));
    third.on('error', () => resolve('closed'));
    third.write(`CONNECT allowed.test:${echoPort} HTTP/1.1\r\n\r\n`);
  });
  assert.equal(outcome, 'closed');
  for (const h of held) h.socket.destroy();
});

test('egress proxy: closing a session cuts its open tunnels and still audits them', async () => {
  const p = makeProxy();
  const { socket } = await connect(await p.socketFor('s-cut'), `allowed.test:${echoPort}`);
  socket.resume();
  const closed = new Promise((r) => socket.on('close', r));
  await p.closeSession('s-cut');
  await closed;
  const e = await entryFor('s-cut', 'allowed.test', 'CONNECT');
  assert.equal(e.action, 'allow');
  await p.close();
  await assert.rejects(p.socketFor('s-cut'), /closed/);
});

test('egress proxy: a dead upstream is a 502, an idle tunnel is closed; both audited', async () => {
  const dead = net.createServer();
  const deadPort = await listen(dead);
  dead.close();
  const p = makeProxy({ ports: [deadPort, echoPort], timeouts: { idleMs: 200 } });
  const sock = await p.socketFor('s-fail');
  const r = await get(sock, `http://allowed.test:${deadPort}/`);
  assert.equal(r.status, 502);
  assert.match(r.body, /ECONNREFUSED/);
  assert.match((await entryFor('s-fail', 'allowed.test', 'GET')).reason, /upstream failed/);
  const { socket } = await connect(sock, `allowed.test:${echoPort}`);
  socket.resume();
  await new Promise((resolve) => socket.on('close', resolve)); // nothing sent: the idle timer ends it
  assert.match((await entryFor('s-fail', 'allowed.test', 'CONNECT')).reason, /idle/);
});

test('egress proxy: a client that hangs up while its name resolves is never forwarded unrecorded', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let asked = 0;
  const slow: Lookup = async (h) => { asked++; await gate; return lookup(h); };
  const p = makeProxy({ lookup: slow });
  const sock = await p.socketFor('s-hangup');
  const dialsBefore = dials.length;
  // A fire-and-forget POST and a CONNECT whose first bytes ride in `head`: both hang up at once.
  const a = net.connect({ path: sock });
  a.write(`POST http://allowed.test:${originPort}/gone HTTP/1.1\r\nhost: allowed.test\r\ncontent-length: 4\r\n\r\nleak`);
  const b = net.connect({ path: sock });
  b.write(`CONNECT allowed.test:${echoPort} HTTP/1.1\r\n\r\nsecret-bytes`);
  await waitFor(() => (asked >= 2 ? true : undefined), 'both lookups');
  await Promise.all([a, b].map((s) => new Promise((r) => { s.on('close', r); s.destroy(); })));
  await new Promise((r) => setTimeout(r, 50)); // the proxy sees both closes
  release();
  const post = await entryFor('s-hangup', 'allowed.test', 'POST');
  const tunnel = await entryFor('s-hangup', 'allowed.test', 'CONNECT');
  assert.equal(post.action, 'deny');
  assert.match(post.reason, /went away/);
  assert.ok(!originSeen.some((s) => s.url === '/gone'), 'the POST never reached the origin');
  // The tunnel may be dialed (a half-closed socket is not yet destroyed) but is then recorded.
  assert.ok(tunnel.action === 'deny' || dials.length > dialsBefore);
});
