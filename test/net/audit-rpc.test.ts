/**
 * Trusted-mode egress proxy, end to end: the real server creates the proxy, a request through a
 * session's socket lands in the network audit log, and operators read it back over RPC and see
 * it live on the WebSocket (operator.read; other scopes refused).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { startTestServer, setupPassword, createKey, rpc, type TestServer } from '../support/server.js';
import { cleanEnv, removeDirs, runCli, tempDirs } from '../cli/harness.js';
import { createStore, databasePath } from '../../src/store/index.js';
import { WsClient, wsUrl } from '../support/ws.js';
import type { Lookup } from '../../src/net/index.js';

const lookup: Lookup = async (host) => {
  if (host === 'allowed.test' || host === 'unlisted.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`ENOTFOUND ${host}`);
};

let s: TestServer;
let origin: http.Server;
let originPort: number;
let readKey: string;
let approvalsKey: string;
let ownerCookie: string;

before(async () => {
  origin = http.createServer((_q, r) => r.end('origin says hi'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
  s = await startTestServer({
    toml: `[tools.exec.sandbox]\nnetwork = "trusted"\ntrusted_domains = ["allowed.test"]\n[tools.web.fetch]\nssrf_allowlist = ["127.0.0.1/32"]\n`,
    lookup, egressPorts: [80, 443, originPort],
  });
  const cookie = await setupPassword(s);
  ownerCookie = cookie;
  readKey = (await createKey(s, cookie, ['operator.read'], 'reader')).key;
  approvalsKey = (await createKey(s, cookie, ['operator.approvals'], 'approver')).key;
});
after(async () => {
  await s?.stop();
  origin?.close();
});

function viaProxy(socketPath: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: url, headers: { host: new URL(url).host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const asRead = { authorization: '' };

test('trusted mode: proxy traffic is audited, readable over RPC with operator.read, and pushed as an event', async () => {
  asRead.authorization = `Bearer ${readKey}`;
  assert.ok(s.egressProxy, 'the server exposes its egress proxy in trusted mode');
  const ws = await WsClient.open(wsUrl(s.url), { authorization: `Bearer ${readKey}` });
  try {
    assert.equal((await ws.connect()).ok, true);
    assert.equal((await ws.request('subscribe', { events: ['network.audit.entry'] })).ok, true);

    const sock = await s.egressProxy.socketFor('session:net-1');
    assert.ok(sock.startsWith(s.dirs.dataDir), 'the socket lives under the data dir');
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    const ok = await viaProxy(sock, `http://allowed.test:${originPort}/`);
    assert.deepEqual(ok, { status: 200, body: 'origin says hi' });
    const denied = await viaProxy(sock, `http://unlisted.test:${originPort}/`);
    assert.equal(denied.status, 403);
    assert.match(denied.body, /not in trusted_domains/);

    const ev = await ws.next((f) => f.type === 'event' && f.event === 'network.audit.entry' && f.payload?.domain === 'allowed.test');
    assert.equal(ev.payload.sessionKey, 'session:net-1');
    assert.equal(ev.payload.action, 'allow');
    assert.equal(ev.payload.bytesDown, 14);
    await ws.next((f) => f.type === 'event' && f.event === 'network.audit.entry' && f.payload?.domain === 'unlisted.test' && f.payload?.action === 'deny');

    const list = await rpc(s, 'network.audit.list', { session: 'session:net-1' }, asRead);
    assert.equal(list.body.ok, true, JSON.stringify(list.body));
    const entries = (list.body.payload as { entries: Array<Record<string, unknown>> }).entries;
    assert.deepEqual(entries.map((e) => [e.domain, e.action, e.method, e.port]), [['unlisted.test', 'deny', 'GET', originPort], ['allowed.test', 'allow', 'GET', originPort]]);
    assert.match(String(entries[0]!.ts), /^\d{4}-\d\d-\d\dT/);
    const denyOnly = await rpc(s, 'network.audit.list', { action: 'deny', limit: 1 }, asRead);
    assert.deepEqual((denyOnly.body.payload as { entries: Array<{ domain: string }> }).entries.map((e) => e.domain), ['unlisted.test']);

    const tail = await rpc(s, 'network.audit.tail', { limit: 1 }, asRead);
    assert.equal((tail.body.payload as { entries: Array<{ domain: string }> }).entries[0]?.domain, 'unlisted.test');

    const stats = await rpc(s, 'network.audit.stats', {}, asRead);
    const st = stats.body.payload as { total: number; allow: number; deny: number; bytesDown: number; topDomains: Array<{ domain: string }>; sessions: Array<{ sessionKey: string; count: number }> };
    assert.deepEqual([st.total, st.allow, st.deny, st.bytesDown], [2, 1, 1, 14]);
    assert.deepEqual(st.sessions, [{ sessionKey: 'session:net-1', count: 2, deny: 1 }]);
    assert.deepEqual(st.topDomains.map((d) => d.domain).sort(), ['allowed.test', 'unlisted.test']);
  } finally { ws.close(); }
});

test('network.audit.*: bad params are INVALID_REQUEST; a key without operator.read is refused', async () => {
  for (const [method, params] of [['network.audit.list', { limit: 501 }], ['network.audit.list', { action: 'maybe' }], ['network.audit.tail', { limit: 0 }], ['network.audit.stats', { since: 'yesterday' }], ['network.audit.list', { extra: 1 }]] as const) {
    const r = await rpc(s, method, params, { authorization: `Bearer ${readKey}` });
    assert.equal(r.body.ok, false, `${method} ${JSON.stringify(params)}`);
    assert.equal(r.body.error?.code, 'INVALID_REQUEST');
  }
  for (const method of ['network.audit.list', 'network.audit.tail', 'network.audit.stats']) {
    const r = await rpc(s, method, {}, { authorization: `Bearer ${approvalsKey}` });
    assert.equal(r.body.ok, false, method);
    assert.equal(r.body.error?.code, 'UNAUTHORIZED');
  }
  // And no live entries for that key either.
  const ws = await WsClient.open(wsUrl(s.url), { authorization: `Bearer ${approvalsKey}` });
  try {
    await ws.connect();
    await ws.request('subscribe', {});
    const sock = await s.egressProxy!.socketFor('session:net-2');
    assert.equal((await viaProxy(sock, `http://unlisted.test:${originPort}/`)).status, 403);
    // A frame sent after the entry proves the socket was flushed up to it.
    await ws.request('health');
    assert.equal(ws.frames.some((f) => f.event === 'network.audit.entry'), false);
  } finally { ws.close(); }
});

test('egress entries are chained audit entries: audit.list shows them to admins, auth.audit announces them', async () => {
  const cookie = ownerCookie;
  const ws = await WsClient.open(wsUrl(s.url), { cookie });
  try {
    await ws.connect();
    await ws.request('subscribe', { events: ['auth.audit'] });
    const sock = await s.egressProxy!.socketFor('session:net-5');
    assert.equal((await viaProxy(sock, `http://allowed.test:${originPort}/p?token=SECRET`)).status, 200);
    const ev = await ws.next((f) => f.type === 'event' && f.event === 'auth.audit' && f.payload?.event_type === 'network.egress');
    assert.equal(ev.payload.actor, 'sandbox:session:net-5');
    const r = await rpc(s, 'audit.list', { types: ['network.egress'], actor: 'sandbox:session:net-5' }, { cookie });
    const entries = (r.body.payload as { entries: Array<{ type: string; detail: string }> }).entries;
    assert.equal(entries.length, 1);
    const d = JSON.parse(entries[0]!.detail) as Record<string, unknown>;
    assert.deepEqual([d.domain, d.action, d.session, d.url], ['allowed.test', 'allow', 'session:net-5', `http://allowed.test:${originPort}/p?…`]);
  } finally { ws.close(); }
});

test('shutdown closes the proxy sockets, writes the pending aggregates, and `moltis audit verify` passes over them', async () => {
  const sock = await s.egressProxy!.socketFor('session:net-3');
  assert.equal(existsSync(sock), true);
  // Three requests of one key: one entry now, an aggregate of the other two at shutdown.
  for (let i = 0; i < 3; i++) assert.equal((await viaProxy(sock, `http://allowed.test:${originPort}/`)).status, 200);
  await s.close(); // the server's own shutdown path; after() then only removes the dirs
  assert.equal(existsSync(sock), false);
  await assert.rejects(s.egressProxy!.socketFor('session:net-4'), /closed/);
  const store = createStore({ path: databasePath(s.dirs.dataDir) });
  try {
    const rows = store.audit.list({ limit: 50, types: ['network.egress'] }).map((r) => JSON.parse(r.detail!) as { session: string; count?: number });
    assert.deepEqual(rows.filter((d) => d.session === 'session:net-3').map((d) => d.count ?? 1), [2, 1]);
  } finally { store.close(); }
  const dirs = tempDirs();
  try {
    const v = await runCli(['audit', 'verify', '--data-dir', s.dirs.dataDir], cleanEnv(dirs));
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /audit log ok: \d+ entries/);
  } finally { removeDirs(dirs); }
});
