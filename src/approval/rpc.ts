import { z } from 'zod';
import { parseParams, RpcError, type MethodTable } from '../rpc/index.js';
import { ApprovalError, type Approvals } from './pending.js';

const Resolve = z.object({
  requestId: z.string().min(1).max(64),
  decision: z.enum(['approve', 'deny', 'modify']),
  command: z.string().min(1).max(16_384).optional(),
  remember: z.literal('session').optional(),
}).strict();

/** `exec.approval.list` and `exec.approval.resolve` (both need operator.approvals; see policy/). */
export function approvalMethods(approvals: Approvals): MethodTable {
  return {
  'exec.approval.list': () => ({ requests: approvals.list() }),
  'exec.approval.resolve': (params, ctx) => {
    const p = parseParams(Resolve, params);
    const by = ctx.identity.apiKeyId !== undefined ? `key:${ctx.identity.apiKeyId}` : ctx.identity.sessionId !== undefined ? `session:${ctx.identity.sessionId}` : ctx.identity.method;
    try {
      return approvals.resolve({ requestId: p.requestId, decision: p.decision, ...(p.command !== undefined ? { command: p.command } : {}), ...(p.remember ? { remember: p.remember } : {}) }, by);
    } catch (err) {
      if (err instanceof ApprovalError) throw new RpcError(err.code, err.message);
      throw err;
    }
  },
  };
}
