/**
 * RPC surface of the audit log (all operator.admin: entries carry IP addresses and credential
 * names): `audit.list`, `audit.types` (the Audit page's type filter) and `audit.verify`.
 */
import { z } from 'zod';
import { parseParams, type MethodTable } from '../rpc/index.js';
import type { AuditRepo, AuditRow } from '../store/index.js';
import type { KeyObject } from 'node:crypto';
import { verifyAuditLog } from './verify.js';

/** `since` accepts an ISO date or epoch milliseconds. */
export const sinceSchema = z.union([z.int().min(0), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);
const List = z.strictObject({
  since: sinceSchema.optional(),
  types: z.array(z.string().min(1).max(64)).max(64).optional(),
  /** Exact actor, as entries name it (`key:3`, `session:…`, `sandbox:…`, `system`). */
  actor: z.string().min(1).max(200).optional(),
  before: z.int().min(1).optional(),
  limit: z.int().min(1).max(1000).prefault(100),
});
const None = z.strictObject({});

/** The wire/export shape of one entry (ISO time, `seq` for the chain position). */
export const auditEntryView = (r: AuditRow) => ({ seq: r.id, time: new Date(r.created_at).toISOString(), type: r.event_type, actor: r.actor, ip: r.client_ip, detail: r.detail, hash: r.hash });

/**
 * `audit.list { since?, types?, actor?, before?, limit }`: newest first; `nextBefore` pages further
 * back. `audit.types`: each stored type with its count. `audit.verify`: what `moltis audit verify`
 * says (chain and head file), run on demand only: it walks the whole log.
 */
export function auditMethods(repo: AuditRepo, o: { publicKey?: KeyObject | null } = {}): MethodTable {
  return {
    'audit.list': (params) => {
      const p = parseParams(List, params);
      const rows = repo.list({ limit: p.limit, since: p.since ?? null, types: p.types ?? null, actor: p.actor ?? null, before: p.before ?? null });
      return { entries: rows.map(auditEntryView), nextBefore: rows.length === p.limit ? rows[rows.length - 1]!.id : null };
    },
    'audit.types': (params) => {
      parseParams(None, params);
      return { types: repo.typeCounts() };
    },
    'audit.verify': (params) => {
      parseParams(None, params);
      return verifyAuditLog(repo, { publicKey: o.publicKey ?? null });
    },
  };
}
