/**
 * The hash-chained audit log (in this process, real SQLite in a temp dir):
 *  - durable appends/s (one transaction each, synchronous=FULL, head file rewritten) vs a plain
 *    INSERT into a same-shaped table in its own transaction (no chain, no head file);
 *  - the chain's own cost: appends/s inside one transaction (no head file) vs plain INSERTs in one transaction;
 *  - `verify` over `entries` rows vs reading the same rows without hashing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStore, databasePath } from '../../src/store/index.js';
import { verifyAuditLog } from '../../src/audit/index.js';
import { createAuditRepo } from '../../src/store/repos/audit.js';
import type { Row } from './report.js';

function rate(ms: number, fn: () => void): number {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) { fn(); n++; }
  return n / ((performance.now() - start) / 1000);
}

export function auditFigures(o: { durationMs: number; entries: number }): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-bench-audit-'));
  const s = createStore({ path: databasePath(dir) });
  try {
    s.db.exec('CREATE TABLE plain (id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL, actor TEXT, client_ip TEXT, detail TEXT, created_at INTEGER NOT NULL) STRICT');
    const plain = s.db.prepare('INSERT INTO plain (event_type, actor, client_ip, detail, created_at) VALUES (?, ?, ?, ?, ?)');
    const entry = () => ({ type: 'login_success', actor: 'session:42', clientIp: '127.0.0.1', detail: 'method=sessions.list missing=operator.write', now: Date.now() });
    const insertPlain = () => { const e = entry(); plain.run(e.type, e.actor, e.clientIp, e.detail, e.now); };
    const durable = rate(o.durationMs, () => s.audit.append(entry()));
    const durablePlain = rate(o.durationMs, insertPlain);
    // Chain cost alone: the same work batched in one transaction (no per-append fsync, head once).
    const batch = (fn: () => void) => { let r = 0; s.db.transaction(() => { r = rate(o.durationMs, fn); })(); return r; };
    // A repo without a head file: the head is written per append outside any batch (measured above).
    const headless = createAuditRepo(s.db, { headPath: null });
    const chained = batch(() => headless.append(entry()));
    const unchained = batch(insertPlain);
    const missing = o.entries - s.audit.count();
    if (missing > 0) s.db.transaction(() => { for (let i = 0; i < missing; i++) s.audit.append(entry()); })();
    s.audit.writeHeadFromDb();
    let t = performance.now();
    const v = verifyAuditLog(s.audit);
    const verifyMs = performance.now() - t;
    if (!v.ok) throw new Error(`bench log did not verify: ${v.problem?.message}`);
    t = performance.now();
    let n = 0;
    for (const _ of s.db.prepare('SELECT * FROM auth_audit_log ORDER BY id').iterate()) n++;
    const readMs = performance.now() - t;
    return [
      { figure: 'Audit appends/s, durable (own transaction, synchronous=FULL, head file) vs plain INSERT in its own transaction', unit: 'ops/s', moltis: durable, baseline: durablePlain, digits: 0 },
      { figure: 'Audit appends/s inside one transaction (hash chain cost) vs plain INSERT', unit: 'ops/s', moltis: chained, baseline: unchained, digits: 0 },
      { figure: `moltis audit verify over ${v.entries} entries, ms, vs reading them (${n}) without hashing`, unit: 'ms', moltis: verifyMs, baseline: readMs, digits: 0 },
    ];
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
