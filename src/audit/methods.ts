/**
 * RPC surface of the audit log: `audit.list` (operator.admin: entries carry IP addresses and
 * credential names).
 */
import { z } from 'zod';
import { parseParams, type MethodTable } from '../rpc/index.js';
import type { AuditRepo, AuditRow } from '../store/index.js';

/** `since` accepts an ISO date or epoch milliseconds. */
export const sinceSchema = z.union([z.int().min(0), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);
const List = z.strictObject({
  since: sinceSchema.optional(),
  types: z.array(z.string().min(1).max(64)).max(64).optional(),
  before: z.int().min(1).optional(),
  limit: z.int().min(1).max(1000).prefault(100),
});

/** The wire/export shape of one entry (ISO time, `seq` for the chain position). */
export const auditEntryView = (r: AuditRow) => ({ seq: r.id, time: new Date(r.created_at).toISOString(), type: r.event_type, actor: r.actor, ip: r.client_ip, detail: r.detail, hash: r.hash });

/** `audit.list { since?, types?, before?, limit }`: newest first; `nextBefore` pages further back. */
export function auditMethods(repo: AuditRepo): MethodTable {
  return {
    'audit.list': (params) => {
      const p = parseParams(List, params);
      const rows = repo.list({ limit: p.limit, since: p.since ?? null, types: p.types ?? null, before: p.before ?? null });
      return { entries: rows.map(auditEntryView), nextBefore: rows.length === p.limit ? rows[rows.length - 1]!.id : null };
    },
  };
}
