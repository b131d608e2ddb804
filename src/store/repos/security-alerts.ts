import type { Db } from '../db.js';

/** One stored security alert (`evidence` is the JSON array of audit entry ids as stored). */
export interface SecurityAlertRow { id: string; rule: string; severity: string; summary: string; evidence: string; at: number; acked_at: number | null; acked_by: string | null }

/** Repository for alerts raised by the audit rule engine. */
export function createSecurityAlertsRepo(db: Db) {
  const q = {
    insert: db.prepare('INSERT INTO security_alerts (id, rule, severity, summary, evidence, at) VALUES (@id, @rule, @severity, @summary, @evidence, @at)'),
    list: db.prepare(`SELECT * FROM security_alerts WHERE (@unacked = 0 OR acked_at IS NULL) AND (@before IS NULL OR at < @before)
      ORDER BY at DESC, rowid DESC LIMIT @limit`),
    unacked: db.prepare('SELECT COUNT(*) AS n FROM security_alerts WHERE acked_at IS NULL'),
    ack: db.prepare('UPDATE security_alerts SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL'),
    ackAll: db.prepare('UPDATE security_alerts SET acked_at = ?, acked_by = ? WHERE acked_at IS NULL'),
  };
  return {
    insert: (a: { id: string; rule: string; severity: string; summary: string; evidence: readonly number[]; at: number }): void =>
      void q.insert.run({ ...a, evidence: JSON.stringify(a.evidence) }),
    /** Newest first; `unacked` keeps only alerts nobody acknowledged yet. */
    list: (o: { limit: number; unacked?: boolean; before?: number | null }): SecurityAlertRow[] =>
      q.list.all({ limit: o.limit, unacked: o.unacked ? 1 : 0, before: o.before ?? null }) as SecurityAlertRow[],
    unackedCount: (): number => (q.unacked.get() as { n: number }).n,
    /** Acknowledges the given alerts (or every open one when `ids` is null); returns how many changed. */
    ack: (ids: readonly string[] | null, by: string, now: number): number => {
      if (ids === null) return q.ackAll.run(now, by).changes;
      return db.transaction(() => ids.reduce((n, id) => n + q.ack.run(now, by, id).changes, 0))();
    },
  };
}
export type SecurityAlertsRepo = ReturnType<typeof createSecurityAlertsRepo>;
