import { randomUUID } from 'node:crypto';
import type { ModelMessage } from 'ai';
import type { Config } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Identity, Scope } from '../policy/index.js';
import { UNTITLED_SESSION, type Store } from '../store/index.js';
import { readableError } from './errors.js';
import { languageModel, type KeyLookup } from './providers.js';
import type { ProviderRegistry } from './registry.js';
import type { Origin, ToolRegistry } from './tools.js';

/** A session title from a first message: its first line, whitespace folded, at most 60 characters. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]!.replace(/\s+/g, ' ').trim();
  if (!line) return UNTITLED_SESSION;
  return line.length <= 60 ? line : `${line.slice(0, 59).replace(/\s+\S*$/, '') || line.slice(0, 59)}…`;
}

/** Most turns running at once (each holds a model stream): bounded like every attacker-driven map. */
export const MAX_ACTIVE_RUNS = 32;

/** A refused `chat.send`; the RPC layer maps `code` to a protocol error. */
export class ChatError extends Error {
  constructor(readonly code: 'CONFLICT' | 'NOT_FOUND' | 'UNAVAILABLE' | 'INVALID_REQUEST', message: string) { super(message); }
}

/** Who started a turn and with what power; a turn never acts beyond it (invariant 10). */
export interface TurnContext {
  scopes: readonly Scope[];
  origin: Origin;
  /** The credential behind the turn: revoking it aborts the turn (and so denies its pending approvals). */
  identity?: Identity;
  /** Only these tools may be offered (a channel turn's level, from policy/); absent = scopes decide. */
  tools?: ReadonlySet<string> | null;
  /** `always`: every command waits for a human whatever approval_mode says (channel turns at execute). */
  approval?: 'always';
}
interface Run { sessionKey: string; controller: AbortController; identity: Identity | null; done?: Promise<void> }

export interface AgentDeps {
  store: Store; config: Config; bus: EventBus; tools: ToolRegistry;
  /** The turn's system prompt; channel turns (`origin: 'channel'`) are untrusted and get no owner profile. */
  systemPrompt: (toolNames: string[], turn: { origin: Origin; sessionKey: string }) => string;
  keys: KeyLookup; env: Record<string, string | undefined>; now: () => number;
  /** Config and runtime providers, read at every turn (changes need no restart). */
  providers: ProviderRegistry;
  /** What the model SDK dials with (checks each provider address; default: global fetch). */
  fetch?: typeof globalThis.fetch;
  /** `BeforeAgentStart` hooks may refuse a turn (src/hooks). */
  beforeStart?: (sessionKey: string, text: string) => Promise<{ allow: true } | { allow: false; reason: string; hook: string }>;
}

/**
 * Chat turns: stores the user message, streams the model's answer as `chat` events
 * (delta → final | error) and its tool use as `agent` events, stores every message with token
 * usage. A failing provider ends the turn with a readable `error` event; the session stays usable.
 */
export function createAgent(d: AgentDeps) {
  const runs = new Map<string, Run>();
  const a = d.config.agent;
  const chat = (p: Record<string, unknown>) => d.bus.publish('chat', p);
  const agentEvent = (p: Record<string, unknown>) => d.bus.publish('agent', p);
  let sdkModule: Promise<typeof import('./sdk.js')> | undefined;
  const loadSdk = () => (sdkModule ??= import('./sdk.js'));

  async function run(runId: string, sessionKey: string, controller: AbortController, ctx: TurnContext, text0: string): Promise<void> {
    const session = d.store.chatSessions.get(sessionKey);
    let provider = 'the provider';
    try {
      const gate = await d.beforeStart?.(sessionKey, text0);
      if (gate && !gate.allow) { chat({ sessionKey, runId, state: 'error', text: `blocked by hook ${gate.hook}: ${gate.reason}` }); return; }
      const ref = d.providers.resolve(session?.model);
      provider = ref.provider;
      const sdk = await loadSdk();
      const model = languageModel(d.providers.get(ref.provider)!, ref, d.keys, d.env, sdk, d.fetch);
      const history: ModelMessage[] = d.store.chatSessions.messages(sessionKey, a.max_history_messages)
        .map((m) => ({ role: m.role, content: JSON.parse(m.content) }) as ModelMessage);
      const timeout = AbortSignal.timeout(a.request_timeout_secs * 1000);
      const signal = AbortSignal.any([controller.signal, timeout]);
      const tools = d.tools.forTurn({
        sessionKey, runId, origin: ctx.origin, scopes: ctx.scopes, ...(ctx.identity ? { identity: ctx.identity } : {}),
        ...(ctx.tools ? { only: ctx.tools } : {}), ...(ctx.approval ? { approval: ctx.approval } : {}),
        signal, defaultTimeoutMs: a.tool_timeout_secs * 1000,
      }, sdk);
      const result = sdk.streamText({
        model, system: d.systemPrompt(Object.keys(tools), { origin: ctx.origin, sessionKey }), messages: history, tools,
        stopWhen: sdk.stepCountIs(a.max_steps), abortSignal: signal, maxRetries: 0,
      });
      let text = '';
      let failure: unknown = null;
      let usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } = {};
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') { text += part.text; chat({ sessionKey, runId, state: 'delta', text: part.text }); }
        else if (part.type === 'tool-call') agentEvent({ sessionKey, runId, kind: 'tool_call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        else if (part.type === 'tool-result') agentEvent({ sessionKey, runId, kind: 'tool_result', toolCallId: part.toolCallId, toolName: part.toolName, output: part.output });
        else if (part.type === 'tool-error') agentEvent({ sessionKey, runId, kind: 'tool_error', toolCallId: part.toolCallId, toolName: part.toolName, error: String((part.error as Error)?.message ?? part.error) });
        else if (part.type === 'error') failure = part.error;
        else if (part.type === 'abort') failure = failure ?? Object.assign(new Error('aborted'), { name: 'AbortError' });
        else if (part.type === 'finish') usage = part.totalUsage;
      }
      if (controller.signal.aborted) {
        chat({ sessionKey, runId, state: 'final', text, aborted: true });
        return;
      }
      if (failure) throw failure;
      const response = await result.response;
      const rows = response.messages.map((m, i, all) => ({
        runId, role: m.role, content: m.content,
        ...(i === all.length - 1 ? { inputTokens: usage.inputTokens ?? null, outputTokens: usage.outputTokens ?? null } : {}),
      }));
      d.store.chatSessions.appendMessages(sessionKey, rows, d.now());
      chat({ sessionKey, runId, state: 'final', text, model: ref.id, usage: { inputTokens: usage.inputTokens ?? null, outputTokens: usage.outputTokens ?? null } });
    } catch (err) {
      chat({ sessionKey, runId, state: 'error', text: readableError(err, { provider, timeoutSecs: a.request_timeout_secs }) });
    }
  }

  return {
    /** Starts a turn and returns its run id at once; the answer arrives as events. */
    send(p: { sessionKey: string; text: string }, ctx: TurnContext): { runId: string } {
      // A session is titled from its first message (until someone renames it).
      const title = titleFrom(p.text);
      if (!d.store.chatSessions.get(p.sessionKey)) {
        d.store.chatSessions.create({ key: p.sessionKey, label: title, now: d.now() });
        d.bus.publish('sessions.changed', { kind: 'created', key: p.sessionKey });
      } else if (title !== UNTITLED_SESSION && d.store.chatSessions.titleIfUntitled(p.sessionKey, title, d.now())) {
        d.bus.publish('sessions.changed', { kind: 'renamed', key: p.sessionKey, label: title });
      }
      for (const r of runs.values()) if (r.sessionKey === p.sessionKey) throw new ChatError('CONFLICT', `a turn is already running in ${p.sessionKey}: wait for it or chat.abort it`);
      if (runs.size >= MAX_ACTIVE_RUNS) throw new ChatError('UNAVAILABLE', 'too many turns running; try again shortly');
      const runId = randomUUID();
      d.store.chatSessions.appendMessages(p.sessionKey, [{ runId, role: 'user', content: p.text }], d.now());
      const controller = new AbortController();
      const entry: Run = { sessionKey: p.sessionKey, controller, identity: ctx.identity ?? null };
      runs.set(runId, entry);
      // Deferred so the `res` frame with the run id reaches the client before the first event.
      entry.done = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => run(runId, p.sessionKey, controller, ctx, p.text))
        .finally(() => { runs.delete(runId); });
      return { runId };
    },
    /** Aborts the turn with `runId`, or every turn of `sessionKey`. */
    abort(p: { runId?: string; sessionKey?: string }, mayTouch: (sessionKey: string) => boolean = () => true): { aborted: number } {
      let n = 0;
      for (const [id, r] of runs) {
        if (!mayTouch(r.sessionKey)) continue;
        if (id === p.runId || (p.sessionKey !== undefined && r.sessionKey === p.sessionKey)) { r.controller.abort(); n++; }
      }
      return { aborted: n };
    },
    /** Aborts every turn whose starting credential matches (revoked key, logged-out session). */
    abortWhere(pred: (identity: Identity) => boolean): { aborted: number } {
      let n = 0;
      for (const r of runs.values()) if (r.identity && pred(r.identity)) { r.controller.abort(); n++; }
      return { aborted: n };
    },
    history(sessionKey: string, limit: number) {
      if (!d.store.chatSessions.get(sessionKey)) throw new ChatError('NOT_FOUND', `no session ${sessionKey}`);
      return d.store.chatSessions.messages(sessionKey, limit).map((m) => ({
        id: m.id, runId: m.run_id, role: m.role, content: JSON.parse(m.content) as unknown, createdAt: m.created_at,
        ...(m.input_tokens !== null || m.output_tokens !== null ? { usage: { inputTokens: m.input_tokens, outputTokens: m.output_tokens } } : {}),
      }));
    },
    activeRuns: () => runs.size,
    /** Aborts every turn and waits (bounded) for them to stop writing. */
    async close(): Promise<void> {
      const pending = [...runs.values()].map((r) => { r.controller.abort(); return r.done; });
      await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}
export type Agent = ReturnType<typeof createAgent>;
