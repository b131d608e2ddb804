/**
 * Helpers shared by the agent system tests: chat event predicates and the last tool result.
 */
import assert from 'node:assert/strict';
import { WsClient, wsUrl, type Frame } from './ws.js';
import type { ScriptedLlm } from './scripted-llm.js';

/** A WebSocket signed in with an API key and subscribed to `events`. */
export async function connect(s: { url: string }, key: string, events: string[]): Promise<WsClient> {
  const c = await WsClient.open(wsUrl(s.url));
  assert.equal((await c.connect({ api_key: key })).ok, true);
  assert.equal((await c.request('subscribe', { events })).ok, true);
  return c;
}

/** Matches the `chat` event that ends run `runId` (final or error). */
export const finalOrError = (runId: string) => (f: Frame) =>
  f.type === 'event' && f.event === 'chat' && f.payload?.runId === runId && (f.payload?.state === 'final' || f.payload?.state === 'error');

/** The last tool result the scripted model was sent, parsed. */
export const lastToolResult = (llm: ScriptedLlm): any =>
  JSON.parse(llm.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content);
