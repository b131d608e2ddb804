/**
 * RPC over the network audit log: `network.audit.list`, `.tail`, `.stats` (operator.read in
 * the policy table). Rows of chat-channel sessions are shown to admins only, as the sessions are.
 */
import { z } from 'zod';
import { parseParams, type CallContext, type MethodTable } from '../rpc/index.js';
import { canSeeSession } from '../policy/index.js';
import type { NetworkAudit, NetworkAuditEntry } from './audit.js';

const Time = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).transform((v) => (typeof v === 'number' ? v : Date.parse(v)));
const Session = z.string().min(1).max(128);
const List = z.object({
  session: Session.optional(),
  domain: z.string().min(1).max(255).optional(),
  action: z.enum(['allow', 'deny']).optional(),
  since: Time.optional(),
  until: Time.optional(),
  limit: z.number().int().min(1).max(500).optional(),
  before: z.number().int().positive().optional(),
}).strict();
const Tail = z.object({ limit: z.number().int().min(1).max(500).optional() }).strict();
const Stats = z.object({ since: Time.optional(), until: Time.optional(), top: z.number().int().min(1).max(100).optional() }).strict();

/** Shown with an ISO timestamp, as the other audit methods do. */
const view = (e: NetworkAuditEntry) => ({ ...e, ts: new Date(e.ts).toISOString() });
/** Would the caller be refused a chat-channel session? Then its rows stay hidden too. */
const hideChannel = (ctx: CallContext) => !canSeeSession('channel:', ctx.identity.scopes);

/** The method table of `network.audit.list|tail|stats`. */
export function networkAuditMethods(audit: NetworkAudit): MethodTable {
  return {
  'network.audit.list': (params, ctx) => {
    const p = parseParams(List, params);
    const entries = audit.list({ ...p, limit: p.limit ?? 100, hideChannelSessions: hideChannel(ctx) });
    return { entries: entries.map(view), nextBefore: entries.length > 0 ? entries[entries.length - 1]!.id : null };
  },
  'network.audit.tail': (params, ctx) => {
    const p = parseParams(Tail, params);
    return { entries: audit.tail(p.limit ?? 50, { hideChannelSessions: hideChannel(ctx) }).map(view) };
  },
  'network.audit.stats': (params, ctx) => {
    const p = parseParams(Stats, params);
    return { ...audit.stats({ ...p, hideChannelSessions: hideChannel(ctx) }), since: p.since ?? null, until: p.until ?? null };
  },
  };
}
