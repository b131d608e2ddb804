/**
 * The alert engine: feeds each audit entry to the rules, rate-limits alerts per rule, stores them,
 * publishes `security.alert`, hands them to `SecurityAlert` hooks and audits each one.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRow, CommandShapesRepo, SecurityAlertsRepo } from '../../store/index.js';
import { createRules, type RuleHit, type RuleThresholds, type AlertSeverity } from './rules.js';

/** One alert as stored, published and returned by `security.alerts.list`. */
export interface SecurityAlert { id: string; rule: string; severity: AlertSeverity; summary: string; evidence: number[]; at: string; acknowledged: boolean }

/** Audit types the engine writes itself; never fed back into the rules (no feedback loop). */
export const ALERT_AUDIT_TYPES: ReadonlySet<string> = new Set(['security_alert', 'security_alerts_suppressed', 'security_alerts_acknowledged']);

const HOUR_MS = 3600_000;

export interface AlertEngineDeps {
  repo: SecurityAlertsRepo;
  /** Programs seen per session family (exec.unusual_command novelty); null: that signal is off. */
  shapes?: CommandShapesRepo | null;
  thresholds: RuleThresholds;
  maxPerRulePerHour: number;
  now: () => number;
  publish: (alert: SecurityAlert) => void;
  audit: (type: string, detail: string) => void;
  /** Forwards to hooks; must not throw (hook failures are the hook runner's to audit). */
  notify: (alert: SecurityAlert) => void;
}

/** Creates the engine; `observe(row)` is called with every audit entry. */
export function createAlertEngine(d: AlertEngineDeps) {
  const rules = createRules(d.thresholds, d.shapes ?? null);
  const budget = new Map<string, { windowStart: number; sent: number; suppressed: number; evidence: number[] }>();
  let closed = false;

  const raise = (h: RuleHit): SecurityAlert | null => {
    const now = d.now();
    let b = budget.get(h.rule);
    if (!b || now - b.windowStart >= HOUR_MS) {
      if (b && b.suppressed > 0) d.audit('security_alerts_suppressed', `rule=${h.rule} count=${b.suppressed}`);
      b = { windowStart: now, sent: 0, suppressed: 0, evidence: [] };
      budget.set(h.rule, b);
    }
    // A flood cannot bury the log: beyond the budget, hits are only counted and summarized later.
    if (b.sent >= d.maxPerRulePerHour) {
      b.suppressed++;
      if (b.evidence.length < 100) b.evidence.push(...h.evidence.slice(0, 100 - b.evidence.length));
      return null;
    }
    b.sent++;
    const alert: SecurityAlert = { id: randomUUID(), rule: h.rule, severity: h.severity, summary: h.summary, evidence: h.evidence.slice(0, 100), at: new Date(now).toISOString(), acknowledged: false };
    d.repo.insert({ id: alert.id, rule: alert.rule, severity: alert.severity, summary: alert.summary, evidence: alert.evidence, at: now });
    d.audit('security_alert', `id=${alert.id} rule=${alert.rule} severity=${alert.severity} evidence=${alert.evidence.join(',')}`);
    d.publish(alert);
    d.notify(alert);
    return alert;
  };

  return {
    /** Evaluates one audit entry; returns the alerts it raised. */
    observe(row: AuditRow): SecurityAlert[] {
      if (closed || ALERT_AUDIT_TYPES.has(row.event_type)) return [];
      const out: SecurityAlert[] = [];
      for (const h of rules(row)) { const a = raise(h); if (a) out.push(a); }
      return out;
    },
    close(): void {
      if (closed) return;
      closed = true;
      for (const [rule, b] of budget) if (b.suppressed > 0) d.audit('security_alerts_suppressed', `rule=${rule} count=${b.suppressed}`);
      budget.clear();
    },
  };
}
export type AlertEngine = ReturnType<typeof createAlertEngine>;
