import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../store/index.js';
import { createNetworkAudit, type NetworkAuditEntry, type NetworkAuditInput } from './index.js';

const entry = (i: number, over: Partial<NetworkAuditInput> = {}): NetworkAuditInput => ({
  ts: 1_000 + i, sessionKey: 's1', domain: 'a.test', port: 443, method: 'CONNECT', url: null,
  action: 'allow', reason: 'ok', bytesUp: 10, bytesDown: 100, durationMs: 5, ...over,
});

test('network audit: rows past the cap are deleted oldest first, in batches', () => {
  const db = openDatabase(':memory:');
  try {
    const audit = createNetworkAudit({ db, maxRows: 5, pruneBatch: 2 });
    for (let i = 1; i <= 12; i++) audit.record(entry(i, { domain: `d${i}.test` }));
    const rows = db.prepare('SELECT domain FROM network_audit ORDER BY id').all() as Array<{ domain: string }>;
    assert.ok(rows.length <= 5 && rows.length >= 3, `kept ${rows.length}`);
    assert.equal(rows.at(-1)?.domain, 'd12.test');
    assert.ok(!rows.some((r) => r.domain === 'd1.test' || r.domain === 'd7.test'));
    assert.equal(audit.size(), rows.length);
    // The cap holds at every step, not only at the end.
    const exact = createNetworkAudit({ db, maxRows: 3, pruneBatch: 1 });
    exact.record(entry(13, { domain: 'd13.test' }));
    assert.deepEqual(exact.tail(10).map((e) => e.domain), ['d13.test', 'd12.test', 'd11.test']);
  } finally { db.close(); }
});

test('network audit: list filters, cursor, stats; each entry is published', () => {
  const db = openDatabase(':memory:');
  const events: Array<{ event: string; payload: NetworkAuditEntry }> = [];
  try {
    const audit = createNetworkAudit({ db, publish: (event, payload) => events.push({ event, payload }) });
    audit.record(entry(1));
    audit.record(entry(2, { action: 'deny', reason: 'no', domain: 'B.test', bytesUp: 0, bytesDown: 0 }));
    audit.record(entry(3, { sessionKey: 's2', method: 'GET', url: 'http://a.test/x', port: 80 }));
    audit.record(entry(4, { sessionKey: 'channel:tg:1' }));
    assert.equal(events.length, 4);
    assert.equal(events[1]!.event, 'network.audit.entry');
    assert.equal(events[1]!.payload.domain, 'b.test');
    assert.equal(events[2]!.payload.url, 'http://a.test/x');
    assert.deepEqual(audit.list({ limit: 10, action: 'deny' }).map((e) => e.domain), ['b.test']);
    assert.deepEqual(audit.list({ limit: 10, session: 's2' }).map((e) => e.ts), [1003]);
    assert.deepEqual(audit.list({ limit: 10, since: 1002, until: 1004 }).map((e) => e.ts), [1003, 1002]);
    const page1 = audit.list({ limit: 2 });
    const page2 = audit.list({ limit: 2, before: page1.at(-1)!.id });
    assert.deepEqual([...page1, ...page2].map((e) => e.ts), [1004, 1003, 1002, 1001]);
    assert.equal(audit.list({ limit: 10, hideChannelSessions: true }).length, 3);
    const s = audit.stats();
    assert.deepEqual({ total: s.total, allow: s.allow, deny: s.deny, up: s.bytesUp, down: s.bytesDown }, { total: 4, allow: 3, deny: 1, up: 30, down: 300 });
    assert.deepEqual(s.topDomains[0], { domain: 'a.test', count: 3, allow: 3, deny: 0 });
    assert.deepEqual(s.sessions.find((x) => x.sessionKey === 's1'), { sessionKey: 's1', count: 2, deny: 1 });
    assert.equal(audit.stats({ since: 1003 }).total, 2);
    assert.equal(audit.stats({ hideChannelSessions: true }).total, 3);
    assert.throws(() => db.prepare("INSERT INTO network_audit (ts, session_key, domain, port, method, action, reason) VALUES (1, 's', 'd', 1, 'GET', 'maybe', 'r')").run(), /CHECK/);
  } finally { db.close(); }
});
