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

/** Matches an `exec.approval.requested` event. */
export const approvalRequested = (f: Frame) => f.type === 'event' && f.event === 'exec.approval.requested';

/**
 * One model turn in `sessionKey` whose tool call runs `command`; an approval it asks for is
 * answered with `decision` by `approver` (a socket subscribed to `exec.approval.requested`).
 */
export async function execTurn(o: { llm: ScriptedLlm; user: WsClient; approver: WsClient }, sessionKey: string, command: string, decision: 'approve' | 'deny'): Promise<void> {
  o.llm.script({ toolCalls: [{ name: 'exec', arguments: { command } }] }, { text: 'done' });
  o.approver.frames.length = 0;
  const r = await o.user.request('chat.send', { sessionKey, text: 'please run it' });
  assert.equal(r.ok, true, JSON.stringify(r));
  const fin = o.user.next(finalOrError(r.payload.runId), 15_000);
  const req = await Promise.race([o.approver.next(approvalRequested, 15_000), fin.then(() => null)]);
  if (req) assert.equal((await o.approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision })).ok, true);
  await fin;
}
