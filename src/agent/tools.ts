import type { ToolSet } from 'ai';
import type * as Sdk from './sdk.js';
import { authorize, type Identity, type Scope } from '../policy/index.js';

/** Where a turn came from; tools may behave differently (e.g. stricter for channels). */
export type Origin = 'web' | 'api' | 'cron' | 'channel';

/** What a tool handler knows about the turn that called it. */
export interface ToolContext {
  sessionKey: string;
  runId: string;
  origin: Origin;
  /** Scopes of the caller who started the turn. */
  scopes: readonly Scope[];
  /** The credential that started the turn (absent for the gateway's own turns). */
  identity?: Identity;
  /** The model's id for this call (audit records which call changed what). */
  toolCallId?: string;
  /** `always`: a side-effecting call must wait for a human whatever the configured mode. */
  approval?: 'always';
  signal: AbortSignal;
}

/** A tool the agent may call. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the input object. */
  inputSchema: Record<string, unknown>;
  /** The scope the *caller* must hold for the agent to use this tool on their behalf. */
  scope: Scope;
  /** Overrides `[agent] tool_timeout_secs` for this tool. */
  timeoutMs?: number;
  execute(input: unknown, ctx: ToolContext): Promise<unknown> | unknown;
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** The tool registry: names are unique; a tool is offered only to callers holding its scope. */
/** Runs `BeforeToolCall` / `AfterToolCall` hooks (see src/hooks); absent = no hooks. */
export interface ToolHooks {
  run(event: 'BeforeToolCall' | 'AfterToolCall', data: { sessionKey: string; toolName: string; input: unknown; output?: unknown }): Promise<{ allow: true; input?: unknown } | { allow: false; reason: string; hook: string }>;
}

export function createToolRegistry(opts: { hooks?: ToolHooks } = {}) {
  const tools = new Map<string, ToolDefinition>();
  return {
    register(def: ToolDefinition): void {
      if (!NAME.test(def.name)) throw new Error(`tool name ${def.name} must match ${NAME}`);
      if (tools.has(def.name)) throw new Error(`tool ${def.name} registered twice`);
      tools.set(def.name, def);
    },
    names: (): string[] => [...tools.keys()].sort(),
    get: (name: string): ToolDefinition | undefined => tools.get(name),
    /**
     * The AI SDK tool set for one turn. Tools the caller may not use are not offered at all, and
     * each execution is bounded by a timeout and the turn's abort signal. A failing tool becomes
     * an `{error}` result the model can read, never a crashed turn.
     */
    forTurn(ctx: Omit<ToolContext, 'signal'> & { signal: AbortSignal; defaultTimeoutMs: number; only?: ReadonlySet<string> }, sdk: Pick<typeof Sdk, 'tool' | 'jsonSchema'>): ToolSet {
      const { tool, jsonSchema } = sdk;
      const set: ToolSet = {};
      for (const def of tools.values()) {
        if (!authorize(def.scope, ctx.scopes).ok) continue;
        // A restricted turn (channel level) is offered only the tools its policy names.
        if (ctx.only && !ctx.only.has(def.name)) continue;
        set[def.name] = tool({
          description: def.description,
          inputSchema: jsonSchema(def.inputSchema as Parameters<typeof jsonSchema>[0]),
          execute: async (input: unknown, call: { toolCallId?: string }) => {
            const before = await opts.hooks?.run('BeforeToolCall', { sessionKey: ctx.sessionKey, toolName: def.name, input });
            if (before && !before.allow) return { status: 'blocked', hook: before.hook, reason: before.reason };
            const finalInput = before && 'input' in before && before.input !== undefined ? before.input : input;
            const output = await runTool(def, finalInput, { ...ctx, ...(call?.toolCallId ? { toolCallId: call.toolCallId } : {}) });
            await opts.hooks?.run('AfterToolCall', { sessionKey: ctx.sessionKey, toolName: def.name, input: finalInput, output });
            return output;
          },
        });
      }
      return set;
    },
  };
}
export type ToolRegistry = ReturnType<typeof createToolRegistry>;

async function runTool(def: ToolDefinition, input: unknown, ctx: ToolContext & { defaultTimeoutMs: number }): Promise<unknown> {
  const timeoutMs = def.timeoutMs ?? ctx.defaultTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(def.execute(input, {
        sessionKey: ctx.sessionKey, runId: ctx.runId, origin: ctx.origin, scopes: ctx.scopes, signal,
        ...(ctx.identity ? { identity: ctx.identity } : {}), ...(ctx.toolCallId ? { toolCallId: ctx.toolCallId } : {}),
        ...(ctx.approval ? { approval: ctx.approval } : {}),
      })),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`tool ${def.name} timed out after ${Math.round(timeoutMs / 1000)}s`)), timeoutMs); }),
    ]);
  } catch (err) {
    return { error: (err as Error).message || 'tool failed' };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** A harmless built-in tool: the current date and time (useful and safe for every caller). */
export function currentTimeTool(now: () => number): ToolDefinition {
  return {
    name: 'current_time',
    description: 'Returns the current date and time (ISO 8601, UTC).',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    scope: 'operator.read',
    execute: () => ({ now: new Date(now()).toISOString() }),
  };
}
