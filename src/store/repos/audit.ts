import type { Db } from '../db.js';

/** One row of the append-only auth audit log. */
export interface AuditRow { id: number; event_type: string; client_ip: string | null; detail: string | null; created_at: number }

/** Repository for the append-only security audit log. */
export function createAuditRepo(db: Db) {
  const insert = db.prepare('INSERT INTO auth_audit_log (event_type, client_ip, detail, created_at) VALUES (?, ?, ?, ?)');
  const list = db.prepare('SELECT * FROM auth_audit_log WHERE (@before IS NULL OR id < @before) AND (@type IS NULL OR event_type = @type) ORDER BY id DESC LIMIT @limit');
  return {
    append: (e: { type: string; clientIp: string | null; detail: string | null; now: number }): AuditRow => {
      const id = Number(insert.run(e.type, e.clientIp, e.detail, e.now).lastInsertRowid);
      return { id, event_type: e.type, client_ip: e.clientIp, detail: e.detail, created_at: e.now };
    },
    /** Newest first; `before` pages backwards by id. */
    list: (o: { limit: number; before?: number | null; type?: string | null }): AuditRow[] =>
      list.all({ limit: o.limit, before: o.before ?? null, type: o.type ?? null }) as AuditRow[],
  };
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;
