/**
 * Shared by the cron system tests: a scripted model that answers by the user message it gets
 * (job turns fire on their own clock, so a queue of steps would be consumed out of order), and
 * helpers for cron RPC over a real WebSocket.
 */
import assert from 'node:assert/strict';
import { startScriptedLlm, type RecordedRequest, type ScriptStep, type ScriptedLlm } from '../support/scripted-llm.js';
import type { Frame, WsClient } from '../support/ws.js';

/** Text of a message as the OpenAI chat format carries it. */
const textOf = (m: { content?: unknown }) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));

/** A scripted model: `plan(userText, step)` decides the answer to a turn that starts with that message. */
export async function routedLlm(): Promise<ScriptedLlm & { plan(userText: string, step: ScriptStep): void; sawUser(text: string): RecordedRequest[] }> {
  const plans = new Map<string, ScriptStep>();
  const llm = await startScriptedLlm({
    defaultStep: {
      respond: (req) => {
        const msgs = (req.body?.messages ?? []) as Array<{ role: string; content?: unknown }>;
        const last = msgs.at(-1);
        // After a tool round trip: echo the tool's result so the test can read it from the chat.
        if (last?.role === 'tool') return { text: `tool said: ${textOf(last)}` };
        return plans.get(last ? textOf(last) : '') ?? { text: 'ok' };
      },
    },
  });
  return Object.assign(llm, {
    plan: (userText: string, step: ScriptStep) => { plans.set(userText, step); },
    sawUser: (text: string) => llm.requests.filter((r) => ((r.body?.messages ?? []) as Array<{ role: string; content?: unknown }>).some((m) => m.role === 'user' && textOf(m) === text)),
  });
}

export const providerToml = (llm: ScriptedLlm, extra = '') => `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n${extra}`;

/** An RPC that must succeed; returns its payload. */
export async function ok(c: WsClient, method: string, params?: unknown): Promise<any> {
  const r = await c.request(method, params);
  assert.equal(r.ok, true, `${method}: ${JSON.stringify(r.error)}`);
  return r.payload;
}

/** An event frame named `event` whose payload matches. */
export const ev = (event: string, match: (p: any) => boolean = () => true) => (f: Frame) => f.type === 'event' && f.event === event && match(f.payload);

/** A job firing `delayMs` from now, once. */
export const atJob = (message: string, delayMs = 1000, extra: Record<string, unknown> = {}) => ({
  name: `job ${message}`, schedule: { kind: 'at', at_ms: Date.now() + delayMs }, payload: { kind: 'agentTurn', message }, ...extra,
});

/** The last tool result in the conversation of the request that followed a tool call with `text` as user message. */
export function toolResultAfter(llm: ScriptedLlm, userText: string): any {
  const req = [...llm.requests].reverse().find((r) => {
    const msgs = (r.body?.messages ?? []) as Array<{ role: string; content?: unknown }>;
    return msgs.at(-1)?.role === 'tool' && msgs.some((m) => m.role === 'user' && textOf(m) === userText);
  });
  assert.ok(req, `no tool result after "${userText}"`);
  const msgs = req.body.messages as Array<{ role: string; content?: unknown }>;
  return JSON.parse(textOf(msgs.filter((m) => m.role === 'tool').at(-1)!));
}
