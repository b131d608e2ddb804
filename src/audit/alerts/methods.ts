/**
 * RPC surface of security alerts: `security.alerts.list` (operator.read) and
 * `security.alerts.ack` (operator.write).
 */
import { z } from 'zod';
import { parseParams, type CallContext, type MethodTable } from '../../rpc/index.js';
import type { SecurityAlertRow, SecurityAlertsRepo } from '../../store/index.js';
import type { SecurityAlert } from './engine.js';
import type { AlertSeverity } from './rules.js';

const List = z.strictObject({
  unacknowledged: z.boolean().prefault(false),
  before: z.int().min(0).optional(),
  limit: z.int().min(1).max(500).prefault(100),
});
const Ack = z.strictObject({
  ids: z.array(z.uuid('ids are alert ids from security.alerts.list')).min(1).max(500).optional(),
  all: z.literal(true).optional(),
}).refine((p) => (p.ids === undefined) !== (p.all === undefined), 'give either ids: [...] or all: true');

/** The wire shape of a stored alert. */
export const alertView = (r: SecurityAlertRow): SecurityAlert & { acknowledgedAt: string | null; acknowledgedBy: string | null } => ({
  id: r.id, rule: r.rule, severity: r.severity as AlertSeverity, summary: r.summary, evidence: JSON.parse(r.evidence) as number[],
  at: new Date(r.at).toISOString(), acknowledged: r.acked_at !== null,
  acknowledgedAt: r.acked_at === null ? null : new Date(r.acked_at).toISOString(), acknowledgedBy: r.acked_by,
});

/** Method table; `actorOf` names the acknowledging credential, `audit` records the acknowledgment. */
export function alertMethods(d: { repo: SecurityAlertsRepo; now: () => number; actorOf: (ctx: CallContext) => string; audit: (type: string, detail: string, actor: string) => void }): MethodTable {
  return {
    'security.alerts.list': (params) => {
      const p = parseParams(List, params);
      const rows = d.repo.list({ limit: p.limit, unacked: p.unacknowledged, before: p.before ?? null });
      return { alerts: rows.map(alertView), unacknowledged: d.repo.unackedCount() };
    },
    'security.alerts.ack': (params, ctx) => {
      const p = parseParams(Ack, params);
      const by = d.actorOf(ctx);
      const n = d.repo.ack(p.ids ?? null, by, d.now());
      if (n > 0) d.audit('security_alerts_acknowledged', `count=${n}${p.ids ? ` ids=${p.ids.join(',')}` : ' all'}`, by);
      return { acknowledged: n, unacknowledged: d.repo.unackedCount() };
    },
  };
}
