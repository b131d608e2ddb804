/**
 * RPC over the scheduler, with the original's names: `cron.list`, `cron.status`, `cron.runs`
 * (operator.read) and `cron.add`, `cron.update`, `cron.remove`, `cron.run` (operator.write) — see
 * policy/. `cron.add` params are the job itself; its fields are checked by the cron capability.
 */
import { z } from 'zod';
import { parseParams, RpcError, type CallContext, type MethodTable } from '../rpc/index.js';
import { creatorOf } from './creator.js';
import { CronError } from './errors.js';
import type { Cron } from './cron.js';
import type { Actor } from './types.js';

const Id = z.string().min(1).max(128);
const ById = z.object({ id: Id }).strict();
const Runs = z.object({ id: Id, limit: z.number().int().min(1).max(1000).optional() }).strict();
const Update = z.object({ id: Id, patch: z.unknown() }).strict();

const actor = (ctx: CallContext): Actor => ({ creator: creatorOf(ctx.identity, 'rpc'), scopes: ctx.identity.scopes, clientIp: ctx.clientIp });

/** Runs `fn`, turning a CronError into the RPC error with the same code (and retryAfterMs). */
function call<T>(fn: () => T): T {
  try { return fn(); } catch (err) {
    if (err instanceof CronError) throw new RpcError(err.code, err.message, err.field ? { field: err.field } : undefined, err.retryAfterMs);
    throw err;
  }
}

/** The method table of `cron.*`. */
export function cronMethods(cron: Cron): MethodTable {
  return {
  'cron.list': () => ({ jobs: cron.list() }),
  'cron.status': () => cron.status(),
  'cron.runs': (params) => { const p = parseParams(Runs, params); return call(() => ({ jobId: p.id, runs: cron.runs(p.id, p.limit ?? 20) })); },
  'cron.add': (params, ctx) => call(() => ({ job: cron.add(params, actor(ctx)) })),
  'cron.update': (params, ctx) => { const p = parseParams(Update, params); return call(() => ({ job: cron.update(p.id, p.patch, actor(ctx)) })); },
  'cron.remove': (params, ctx) => { const p = parseParams(ById, params); return call(() => cron.remove(p.id, actor(ctx))); },
  'cron.run': (params, ctx) => { const p = parseParams(ById, params); return call(() => cron.run(p.id, actor(ctx))); },
  };
}
