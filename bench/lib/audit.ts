/**
 * The hash-chained audit log (in this process, real SQLite in a temp dir):
 *  - durable appends/s (one transaction each, synchronous=FULL, head file rewritten) vs a plain
 *    INSERT into a same-shaped table in its own transaction (no chain, no head file);
 *  - the chain's own cost: appends/s inside one transaction (no head file) vs plain INSERTs in one transaction;
 *  - `verify` over `entries` rows vs reading the same rows without hashing;
 *  - password logins/s through the real auth service (Argon2id check, guard, session row, audit
 *    append + `auth.audit` publish) with the real audit log vs the same service over a store whose
 *    audit append is a no-op. "Off" exists only here, in the bench's own copy of the store object:
 *    the product has no switch that turns the audit log off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStore, databasePath, type AuditRow, type Store } from '../../src/store/index.js';
import { createAuth, createLoginGuard } from '../../src/auth/index.js';
import { createEventBus } from '../../src/events/index.js';
import { hashPassword } from '../../src/crypto/index.js';
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

const PASSWORD = 'correct horse battery staple';

/** A real auth service over a durable store in `dir`; `auditOff`: the store's audit append does nothing. */
async function loginRig(dir: string, hash: string, auditOff: boolean) {
  const real = createStore({ path: databasePath(dir) });
  let n = 0;
  const noop = (e: { type: string; actor?: string | null; clientIp: string | null; detail: string | null; now: number }): AuditRow =>
    ({ id: ++n, event_type: e.type, actor: e.actor ?? null, client_ip: e.clientIp, detail: e.detail, created_at: e.now, hash: '' });
  const store: Store = auditOff ? { ...real, audit: { ...real.audit, append: noop } } : real;
  store.auth.setPasswordHash(hash, Date.now());
  const bus = createEventBus();
  // As in the gateway, something listens to every audit append (it publishes `auth.audit` and feeds the alert engine); here a counter.
  let seen = 0;
  real.audit.onAppend(() => { seen++; });
  const guard = createLoginGuard({ banThreshold: 5, banBaseMs: 300_000, banMaxMs: 3_600_000, maxTrackedIps: 10_000, now: Date.now });
  const auth = createAuth({ store, bus, guard, now: Date.now, disabled: false, sessionTtlMs: 86_400_000, sessionIdleMs: 86_400_000, maxSessions: 100_000, setupCodeTtlMs: 600_000, onSetupCode: () => {} });
  const ctx = { clientIp: '127.0.0.1', isLocal: true };
  return {
    /** Logins/s over `ms` with `concurrency` in flight. */
    async run(ms: number, concurrency: number): Promise<number> {
      const end = performance.now() + ms;
      let done = 0;
      const start = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => { while (performance.now() < end) { await auth.login(PASSWORD, ctx); done++; } }));
      return done / ((performance.now() - start) / 1000);
    },
    audited: () => real.audit.count(),
    seen: () => seen,
    close: () => real.close(),
  };
}

/** Password logins/s with the audit log on vs a no-op sink, alternating rounds in this process. */
export async function loginFigures(o: { rounds: number; roundMs: number; concurrency: number }): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 'moltis-bench-login-'));
  const hash = await hashPassword(PASSWORD);
  const on = await loginRig(join(root, 'on'), hash, false);
  const off = await loginRig(join(root, 'off'), hash, true);
  try {
    await on.run(200, o.concurrency);
    await off.run(200, o.concurrency);
    const a: number[] = [];
    const b: number[] = [];
    // Alternating (on, off, off, on, …) so drift on a shared machine hits both alike.
    for (let i = 0; i < o.rounds; i++) {
      if (i % 2 === 0) { a.push(await on.run(o.roundMs, o.concurrency)); b.push(await off.run(o.roundMs, o.concurrency)); }
      else { b.push(await off.run(o.roundMs, o.concurrency)); a.push(await on.run(o.roundMs, o.concurrency)); }
    }
    if (on.audited() === 0 || off.audited() !== 0 || on.seen() === 0) throw new Error('login bench: the audit log was not exercised as intended');
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    return [{ figure: `Password logins/s (Argon2id, ${o.concurrency} in flight, ${o.rounds} alternating rounds) with the audit log vs a no-op audit sink`, unit: 'ops/s', moltis: mean(a), baseline: mean(b), digits: 1 }];
  } finally {
    on.close();
    off.close();
    rmSync(root, { recursive: true, force: true });
  }
}
