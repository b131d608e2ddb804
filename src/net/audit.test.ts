import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, MIGRATIONS, chainHash, createStore, databasePath, openDatabase, type Store } from '../store/index.js';
import { verifyAuditLog } from '../audit/index.js';
import { auditUrl, createNetworkAudit, type NetworkAuditEntry, type NetworkAuditInput } from './index.js';

const entry = (i: number, over: Partial<NetworkAuditInput> = {}): NetworkAuditInput => ({
  ts: 1_000 + i, sessionKey: 's1', domain: 'a.test', port: 443, method: 'CONNECT', url: null,
  action: 'allow', reason: 'ok', bytesUp: 10, bytesDown: 100, durationMs: 5, ...over,
});
// The window closes only when a test says so.
const manual = { setTimer: (() => ({ unref() {} })) as unknown as typeof setInterval, clearTimer: (() => {}) as typeof clearInterval };

function withStore(fn: (store: Store) => void): void {
  const store = createStore({ path: ':memory:' });
  try { fn(store); } finally { store.close(); }
}

test('network audit: entries of the one audit log; list filters, cursor, stats; each entry is published', () => withStore((store) => {
  const events: Array<{ event: string; payload: NetworkAuditEntry }> = [];
  const audit = createNetworkAudit({ store, ...manual, publish: (event, payload) => events.push({ event, payload }) });
  store.audit.append({ type: 'login_success', clientIp: '127.0.0.1', detail: null, now: 1 });
  audit.record(entry(1));
  audit.record(entry(2, { action: 'deny', reason: 'no', domain: 'B.test', bytesUp: 0, bytesDown: 0 }));
  audit.record(entry(3, { sessionKey: 's2', method: 'GET', url: 'http://a.test/x', port: 80 }));
  audit.record(entry(4, { sessionKey: 'channel:tg:1' }));
  assert.equal(events.length, 4);
  assert.equal(events[1]!.event, 'network.audit.entry');
  assert.equal(events[1]!.payload.domain, 'b.test');
  assert.equal(events[2]!.payload.url, 'http://a.test/x');
  // They are chained entries of the audit log, between the other security events.
  const rows = store.audit.list({ limit: 10, ascending: true });
  assert.deepEqual(rows.map((r) => r.event_type), ['login_success', 'network.egress', 'network.egress', 'network.egress', 'network.egress']);
  assert.equal(rows[1]!.actor, 'sandbox:s1');
  assert.deepEqual(events.map((e) => e.payload.id), [2, 3, 4, 5]);
  assert.equal(verifyAuditLog(store.audit).ok, true);

  assert.deepEqual(audit.list({ limit: 10, action: 'deny' }).map((e) => e.domain), ['b.test']);
  assert.deepEqual(audit.list({ limit: 10, session: 's2' }).map((e) => e.ts), [1003]);
  assert.deepEqual(audit.list({ limit: 10, since: 1002, until: 1004 }).map((e) => e.ts), [1003, 1002]);
  assert.deepEqual(audit.list({ limit: 10, domain: 'B.TEST' }).map((e) => e.ts), [1002]);
  const page1 = audit.list({ limit: 2 });
  const page2 = audit.list({ limit: 2, before: page1.at(-1)!.id });
  assert.deepEqual([...page1, ...page2].map((e) => e.ts), [1004, 1003, 1002, 1001]);
  assert.deepEqual(page1[0], { id: 5, ts: 1004, sessionKey: 'channel:tg:1', domain: 'a.test', port: 443, method: 'CONNECT', url: null, action: 'allow', reason: 'ok', bytesUp: 10, bytesDown: 100, durationMs: 5 });
  assert.equal(audit.list({ limit: 10, hideChannelSessions: true }).length, 3);
  const s = audit.stats();
  assert.deepEqual({ total: s.total, allow: s.allow, deny: s.deny, up: s.bytesUp, down: s.bytesDown }, { total: 4, allow: 3, deny: 1, up: 30, down: 300 });
  assert.deepEqual(s.topDomains[0], { domain: 'a.test', count: 3, allow: 3, deny: 0 });
  assert.deepEqual(s.sessions.find((x) => x.sessionKey === 's1'), { sessionKey: 's1', count: 2, deny: 1 });
  assert.equal(audit.stats({ since: 1003 }).total, 2);
  assert.equal(audit.stats({ hideChannelSessions: true }).total, 3);
  audit.close();
}));

test('network audit: repeated requests are one entry plus one aggregate per window; totals stay exact', () => withStore((store) => {
  const events: NetworkAuditEntry[] = [];
  const audit = createNetworkAudit({ store, ...manual, publish: (_e, p) => events.push(p) });
  for (let i = 1; i <= 100; i++) assert.equal(audit.record(entry(i)) === null, i > 1);
  assert.equal(store.audit.count(), 1, 'only the first of the window is written at once');
  audit.flush();
  const [agg, first] = audit.list({ limit: 10 });
  assert.deepEqual({ count: agg!.count, up: agg!.bytesUp, down: agg!.bytesDown, ms: agg!.durationMs, ts: agg!.ts }, { count: 99, up: 990, down: 9900, ms: 495, ts: 1002 });
  assert.equal(first!.count, undefined);
  assert.equal(events.length, 2);
  assert.deepEqual(audit.stats().topDomains, [{ domain: 'a.test', count: 100, allow: 100, deny: 0 }]);
  // A new window: the key gets its own entry again.
  assert.notEqual(audit.record(entry(101)), null);
  audit.close();
}));

test('network audit (attack): a request flood cannot flood the log or crowd out denials', () => withStore((store) => {
  const audit = createNetworkAudit({ store, ...manual, maxKeys: { allow: 4, deny: 4 } });
  // A sandboxed program varies the domain to defeat aggregation.
  for (let i = 0; i < 5000; i++) audit.record(entry(i, { domain: `x${i}.test`, sessionKey: i % 2 ? 's1' : 'channel:tg:9' }));
  const denied = audit.record(entry(9999, { action: 'deny', reason: 'not in trusted_domains', domain: 'evil.test' }));
  assert.ok(denied, 'the denial still gets its own entry at once');
  audit.flush();
  // 4 first-of-key entries, 1 denial, 2 overflow sums (channel and other sessions).
  assert.equal(store.audit.count(), 7);
  assert.equal(audit.stats().total, 5001);
  const many = audit.list({ limit: 10 }).filter((e) => e.domain === '(many)');
  assert.deepEqual(many.map((e) => [e.sessionKey, e.count]).sort(), [['(many)', 2498], ['channel:(many)', 2498]]);
  // The overflow of channel sessions stays hidden from callers who may not see them.
  assert.ok(!audit.list({ limit: 10, hideChannelSessions: true }).some((e) => e.sessionKey.startsWith('channel:')));
  audit.close();
}));

test('network audit (attack): credentials in a URL never reach the log', () => withStore((store) => {
  const audit = createNetworkAudit({ store, ...manual });
  const token = 'bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
  audit.record(entry(1, { method: 'GET', port: 80, url: `http://user:hunter2@a.test/${token}/sendMessage?api_key=SECRETKEY#frag` }));
  const detail = store.audit.list({ limit: 1 })[0]!.detail!;
  for (const secret of ['hunter2', 'SECRETKEY', 'AAHdqTcv', 'frag', 'user:']) assert.ok(!detail.includes(secret), `${secret} leaked: ${detail}`);
  assert.equal(audit.list({ limit: 1 })[0]!.url, 'http://a.test/…/sendMessage?…');
  assert.equal(auditUrl(`http://a.test/${'p'.repeat(10)}/${'q/'.repeat(100)}`)!.length, 'http://a.test'.length + 128 + 1);
  assert.equal(auditUrl('not a url'), '(unparsable)');
  // Control characters in attacker-chosen fields cannot fake lines in an export or a terminal.
  audit.record(entry(2, { method: 'GET\r\nX', domain: 'a.test\nfake' }));
  assert.ok(!/[\r\n]/.test(JSON.stringify(audit.list({ limit: 1 })[0]).replace(/\\[rn]/g, '')));
  assert.equal(audit.list({ limit: 1 })[0]!.method, 'GET??X');
  audit.close();
}));

test('migration 14: the old network_audit table is dropped, summarized by one chained entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-netaudit-'));
  try {
    const path = databasePath(dir);
    const db = openDatabase(path, MIGRATIONS.filter((m) => m.version <= 12));
    const e = { seq: 1, time: 5, type: 'login_success', actor: null, ip: '127.0.0.1', detail: null };
    db.prepare('INSERT INTO auth_audit_log (id, event_type, actor, client_ip, detail, created_at, hash) VALUES (1, ?, NULL, ?, NULL, 5, ?)').run(e.type, e.ip, chainHash(GENESIS_HASH, e));
    const ins = db.prepare("INSERT INTO network_audit (ts, session_key, domain, port, method, action, reason) VALUES (?, 's', 'd.test', 443, 'CONNECT', ?, 'r')");
    ins.run(100, 'allow'); ins.run(200, 'allow'); ins.run(300, 'deny');
    db.close();
    const store = createStore({ path });
    try {
      assert.equal((store.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'network_audit'").get() as { n: number }).n, 0);
      const [summary] = store.audit.list({ limit: 1 });
      assert.equal(summary!.event_type, 'network.audit_table_dropped');
      assert.deepEqual({ ...JSON.parse(summary!.detail!), note: undefined }, { rows: 3, allow: 2, deny: 1, from: 100, to: 300, note: undefined });
      store.audit.writeHeadFromDb();
      const v = verifyAuditLog(store.audit);
      assert.equal(v.ok, true, JSON.stringify(v.problem));
      assert.equal(v.entries, 2);
    } finally { store.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
