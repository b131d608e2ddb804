/**
 * The agent's `cron` tool, with the original's arguments. What the model asks for goes through
 * the same checks as RPC plus the model's own limits: a job it creates gets the scopes of the
 * turn it serves (never more), always runs sandboxed, and counts against the same creation
 * limit; it cannot touch system jobs or steer a job that runs on the host.
 */
import type { ToolContext, ToolDefinition } from '../agent/index.js';
import { creatorOf } from './creator.js';
import { CronError } from './errors.js';
import type { Cron } from './cron.js';
import type { Actor } from './types.js';

const ACTIONS = ['add', 'update', 'remove', 'run', 'runs', 'list', 'status'] as const;
type Action = typeof ACTIONS[number];
const ARGS: Record<Action, readonly string[]> = {
  add: ['job'], update: ['id', 'patch'], remove: ['id'], run: ['id'], runs: ['id', 'limit'], list: [], status: [],
};

function actorOf(ctx: ToolContext): Actor | null {
  const extra = { sessionKey: ctx.sessionKey, ...(ctx.toolCallId ? { toolCallId: ctx.toolCallId } : {}) };
  // No credential behind the turn (the gateway's own turns): nobody could answer for a new job.
  if (!ctx.identity) return null;
  return { creator: creatorOf(ctx.identity, 'tool', extra), scopes: ctx.scopes };
}

/** The `cron` tool definition (offered to turns whose caller holds operator.write). */
export function cronTool(cron: Cron): ToolDefinition {
  return {
    name: 'cron',
    description: 'Manage scheduled jobs. action "list" | "status"; "add" with job {name, schedule: {kind:"cron",expr,tz?} | {kind:"every",every_ms} | {kind:"at",at_ms}, payload: {kind:"agentTurn",message}, enabled?, deleteAfterRun?, sandbox?: {image?}}; "update" with id and patch; "remove" | "run" | "runs" with id.',
    inputSchema: {
      type: 'object',
      properties: {
        action: { type: 'string', enum: [...ACTIONS] },
        job: { type: 'object', description: 'the job to add (add)' },
        id: { type: 'string', description: 'job id (update, remove, run, runs)' },
        patch: { type: 'object', description: 'fields to change (update)' },
        limit: { type: 'number', description: 'runs to return (runs, default 20)' },
      },
      required: ['action'],
      additionalProperties: false,
    },
    scope: 'operator.write',
    execute(input, ctx) {
      const p = (input ?? {}) as Record<string, unknown>;
      const action = p.action as Action;
      if (!ACTIONS.includes(action)) return { error: `action must be one of ${ACTIONS.join(', ')}`, code: 'INVALID_REQUEST' };
      for (const k of Object.keys(p)) {
        if (k !== 'action' && !ARGS[action].includes(k)) return { error: `${k}: not an argument of "${action}" (it takes ${ARGS[action].join(', ') || 'nothing'})`, code: 'INVALID_REQUEST', field: k };
      }
      const a = actorOf(ctx);
      try {
        switch (action) {
          case 'list': return { jobs: cron.list() };
          case 'status': return cron.status();
          case 'runs': return { jobId: p.id, runs: cron.runs(p.id, typeof p.limit === 'number' && p.limit >= 1 ? Math.min(Math.floor(p.limit), 100) : 20) };
        }
        if (!a) return { error: 'this turn was not started by a credential that could own a job; jobs cannot be changed from here', code: 'FORBIDDEN' };
        switch (action) {
          case 'add': return { job: cron.add(p.job, a) };
          case 'update': return { job: cron.update(p.id, p.patch, a) };
          case 'remove': return cron.remove(p.id, a);
          case 'run': return cron.run(p.id, a);
        }
      } catch (err) {
        if (err instanceof CronError) return { error: err.message, code: err.code, ...(err.field ? { field: err.field } : {}), ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) };
        throw err;
      }
    },
  };
}
