/**
 * Wires the security alert engine into a running gateway: every `auth.audit` entry on the bus is
 * fed to the rules; alerts are published as `security.alert` and handed to `SecurityAlert` hooks.
 */
import type { Auth } from '../auth/index.js';
import type { Config } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Store, AuditRow } from '../store/index.js';
import type { MethodTable } from '../rpc/index.js';
import { alertMethods, createAlertEngine } from '../audit/index.js';
import type { createHooks } from '../hooks/index.js';
import { actorOf } from './audit-setup.js';

/**
 * Compares the head file with the database: a head ahead of the newest entry, or naming a
 * different hash for the same entry, means entries were cut off or the database was replaced.
 * (A head behind the tip is normal: it may lag a commit.) Returns the problem, or null.
 */
export function headMismatch(store: Store): string | null {
  let head;
  try { head = store.audit.readHead(); } catch { return null; } // setupAudit already warned about an unreadable head
  const tip = store.audit.tip();
  if (!head) return null;
  if (!tip || head.head.seq > tip.seq) return `head file names entry ${head.head.seq} but the log ends at ${tip?.seq ?? 0}`;
  const row = store.audit.list({ limit: 1, before: head.head.seq + 1, afterId: head.head.seq - 1 })[0];
  if (row && row.hash !== head.head.hash) return `entry ${head.head.seq} differs from the head file`;
  return null;
}

/**
 * Starts the engine (unless `[monitoring] enabled = false`); returns its RPC table and `close()`.
 * `auditStart`: the tip and head check taken when the store opened; entries written since then
 * (before the engine existed) are fed first, and a head mismatch is audited as `audit_chain_broken`.
 */
export function setupAlerts(d: { store: Store; bus: EventBus; auth: Auth; config: Config; hooks: ReturnType<typeof createHooks>; now: () => number; print: (l: string) => void; auditStart: { seq: number; headProblem: string | null } }): { methods: MethodTable; close: () => void } {
  const m = d.config.monitoring;
  const methods = alertMethods({ repo: d.store.securityAlerts, now: d.now, actorOf, audit: (type, detail, actor) => d.auth.audit(type, null, detail, actor) });
  const reportBroken = () => {
    // A cut-off tail or replaced database is recorded even with monitoring off (the chain keeps the fact).
    if (d.auditStart.headProblem) d.auth.audit('audit_chain_broken', null, `${d.auditStart.headProblem}; run \`moltis audit verify\``, 'system');
  };
  if (!m.enabled) { reportBroken(); return { methods, close: () => {} }; }
  const engine = createAlertEngine({
    repo: d.store.securityAlerts, shapes: d.store.commandShapes, now: d.now, maxPerRulePerHour: m.max_alerts_per_rule_per_hour,
    thresholds: { ...m, cron_window_secs: d.config.cron.rate_limit_window_secs },
    publish: (alert) => d.bus.publish('security.alert', alert),
    audit: (type, detail) => d.auth.audit(type, null, detail, 'system'),
    notify: (alert) => {
      d.hooks.run('SecurityAlert', { sessionKey: 'system', input: alert }).catch((err: unknown) => d.print(`SecurityAlert hook failed: ${(err as Error).message}`));
    },
  });
  const unsubscribe = d.bus.subscribe((e) => {
    if (e.event !== 'auth.audit') return;
    // The engine must never break the audit append that published this entry.
    try { engine.observe(e.payload as AuditRow); } catch (err) { d.print(`security alerts: ${(err as Error).message}`); }
  });
  for (const row of d.store.audit.list({ limit: 1000, afterId: d.auditStart.seq, ascending: true })) engine.observe(row);
  reportBroken();
  return { methods, close: () => { unsubscribe(); engine.close(); } };
}
