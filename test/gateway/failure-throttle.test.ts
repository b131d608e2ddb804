/**
 * A credential whose requests keep being refused is throttled (issue 16: the log cannot be used
 * against itself). Attack: scoped keys cycle through every admin method they may not call, over one
 * WebSocket and over REST; without the throttle each new method is a fresh audit row and every
 * request is work for the gateway. With it: after `failure_max` refusals the key only gets
 * RATE_LIMITED / 429 with a retry time, the audit log holds one throttling entry per key, and a
 * well-behaved key hammering `health` at the same time never notices.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { request } from '../support/http.js';
import { METHOD_POLICY } from '../../src/policy/index.js';

const FAILURE_MAX = 5;
const ATTEMPTS = 120;
// Every method an `operator.read` key may not call: each one would be a new `scope_denied` row.
const DENIED = Object.entries(METHOD_POLICY).filter(([, s]) => s === 'operator.admin').map(([m]) => m);

function auditRows(s: TestServer): { total: number; throttled: { detail: string }[] } {
  const db = new Database(join(s.dirs.dataDir, 'moltis.db'), { readonly: true });
  try {
    const total = (db.prepare('SELECT count(*) AS n FROM auth_audit_log').get() as { n: number }).n;
    const throttled = db.prepare("SELECT detail FROM auth_audit_log WHERE event_type = 'request_failures_throttled'").all() as { detail: string }[];
    return { total, throttled };
  } finally { db.close(); }
}

describe('credentials whose requests keep failing are throttled', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => {
    s = await startTestServer({ toml: `[server.throttle]\nfailure_max = ${FAILURE_MAX}\nfailure_window_secs = 60\n` });
    cookie = await setupPassword(s);
  });
  after(() => s.stop());

  test('one WebSocket cycling through denied methods, and REST doing the same, get RATE_LIMITED; the audit stays bounded; a good key is unaffected', async () => {
    assert.ok(DENIED.length >= 8, 'the attack needs many distinct denied methods');
    const wsKey = await createKey(s, cookie, ['operator.read'], 'ws prober');
    const restKey = await createKey(s, cookie, ['operator.read'], 'rest prober');
    const good = await createKey(s, cookie, ['operator.read'], 'good');
    const before = auditRows(s).total;

    // The well-behaved key runs alongside the attack, over REST and over its own socket.
    const goodWs = await WsClient.open(wsUrl(s.url));
    assert.equal((await goodWs.connect({ api_key: good.key })).ok, true);
    let stop = false;
    const goodResults: boolean[] = [];
    const goodLoop = (async () => {
      while (!stop) {
        const r = await request(`${s.url}/api/rpc`, { method: 'POST', headers: { authorization: `Bearer ${good.key}` }, body: { method: 'health' } });
        const w = await goodWs.request('health');
        goodResults.push(r.status === 200 && w.ok === true);
      }
    })();

    const ws = await WsClient.open(wsUrl(s.url));
    assert.equal((await ws.connect({ api_key: wsKey.key })).ok, true);
    const wsCodes: string[] = [];
    let retryAfterMs = 0;
    for (let i = 0; i < ATTEMPTS; i++) {
      const r = await ws.request(DENIED[i % DENIED.length]!);
      assert.equal(r.ok, false);
      wsCodes.push(r.error!.code);
      if (r.error!.code === 'RATE_LIMITED') retryAfterMs = (r.error as { retryAfterMs?: number }).retryAfterMs ?? 0;
    }
    const restStatuses: number[] = [];
    let retryHeader: string | undefined;
    for (let i = 0; i < ATTEMPTS; i++) {
      // REST routes the key may not use count too, not only RPC.
      const r = i % 2 === 0
        ? await request(`${s.url}/api/rpc`, { method: 'POST', headers: { authorization: `Bearer ${restKey.key}` }, body: { method: DENIED[i % DENIED.length] } })
        : await request(`${s.url}/api/auth/api-keys`, { headers: { authorization: `Bearer ${restKey.key}` } });
      restStatuses.push(r.status);
      if (r.status === 429) retryHeader = r.headers['retry-after'] as string | undefined;
    }
    stop = true;
    await goodLoop;

    // Throttled after FAILURE_MAX refusals, for the rest of the attack, with a time to come back.
    assert.deepEqual(wsCodes.slice(0, FAILURE_MAX), Array(FAILURE_MAX).fill('UNAUTHORIZED'));
    assert.deepEqual(new Set(wsCodes.slice(FAILURE_MAX)), new Set(['RATE_LIMITED']));
    assert.ok(retryAfterMs > 50_000 && retryAfterMs <= 60_000, `retryAfterMs ${retryAfterMs}`);
    assert.deepEqual(new Set(restStatuses.slice(0, FAILURE_MAX)), new Set([403]));
    assert.deepEqual(new Set(restStatuses.slice(FAILURE_MAX)), new Set([429]));
    assert.ok(Number(retryHeader) > 50 && Number(retryHeader) <= 60, `retry-after ${retryHeader}`);
    // A throttled key is refused everywhere but public routes, even for what it may do.
    assert.equal((await ws.request('health')).error?.code, 'RATE_LIMITED');
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: { authorization: `Bearer ${restKey.key}` }, body: { method: 'health' } })).status, 429);

    // The audit log: at most one denial row per refused request before the throttle, and one
    // aggregated throttling entry per key — not one row per request (2 × ATTEMPTS were made).
    const a = auditRows(s);
    assert.equal(a.throttled.length, 2, JSON.stringify(a.throttled));
    assert.ok(a.total - before <= 2 * FAILURE_MAX + 2, `audit grew by ${a.total - before} rows`);
    assert.match(a.throttled[0]!.detail, /"failures":5/);

    // The good key was never refused while the others were throttled.
    assert.ok(goodResults.length > 0);
    assert.deepEqual(new Set(goodResults), new Set([true]));
    ws.close(); goodWs.close();
  });
});
