/**
 * The scripted LLM server against the real `ai` SDK and `@ai-sdk/openai` chat model: if the
 * wire format drifted from what the SDK parses, these tests fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamText, generateText, tool, stepCountIs } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';
import { startScriptedLlm, type ScriptedLlm } from './scripted-llm.js';

async function start(t: { after: (fn: () => Promise<void>) => void }, opts?: Parameters<typeof startScriptedLlm>[0]): Promise<ScriptedLlm> {
  const llm = await startScriptedLlm(opts);
  t.after(() => llm.close());
  return llm;
}

function modelFor(llm: ScriptedLlm, id = 'test-model') {
  return createOpenAI({ baseURL: llm.url, apiKey: 'sk-test' }).chat(id);
}

test('streamText receives the scripted text in deltas, with usage; the request is recorded', async (t) => {
  const llm = await start(t);
  llm.script({ text: 'Hello from the script', chunks: 3, delayMs: 5 });
  const result = streamText({ model: modelFor(llm), prompt: 'say hello', maxRetries: 0 });
  const deltas: string[] = [];
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') deltas.push(part.text);
    if (part.type === 'error') throw part.error;
  }
  assert.equal(deltas.join(''), 'Hello from the script');
  assert.equal(deltas.length, 3);
  const usage = await result.usage;
  assert.ok((usage.inputTokens ?? 0) > 0, 'input tokens reported');
  assert.ok((usage.outputTokens ?? 0) > 0, 'output tokens reported');
  assert.equal(await result.finishReason, 'stop');
  assert.equal(llm.pending(), 0);
  assert.equal(llm.requests.length, 1);
  const req = llm.requests[0]!;
  assert.equal(req.path, '/v1/chat/completions');
  assert.equal(req.headers.authorization, 'Bearer sk-test');
  assert.equal(req.body.model, 'test-model');
  assert.equal(req.body.stream, true);
  assert.equal(req.body.stream_options?.include_usage, true);
  assert.deepEqual(req.body.messages, [{ role: 'user', content: 'say hello' }]);
});

test('generateText (non-streaming) receives the scripted text and usage', async (t) => {
  const llm = await start(t);
  llm.script({ text: 'plain answer', usage: { prompt_tokens: 11, completion_tokens: 2 } });
  const r = await generateText({ model: modelFor(llm), system: 'be brief', prompt: 'q?', maxRetries: 0 });
  assert.equal(r.text, 'plain answer');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.usage.inputTokens, 11);
  assert.equal(r.usage.outputTokens, 2);
  const body = llm.requests[0]!.body;
  assert.notEqual(body.stream, true);
  assert.deepEqual(body.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'q?' }]);
  assert.equal(llm.pending(), 0);
});

test('a tool round trip: the SDK runs the tool and sends its result back as a tool message', async (t) => {
  const llm = await start(t);
  llm.script({ toolCalls: [{ id: 'call_add_1', name: 'add', arguments: { a: 2, b: 3 } }] }, { text: '5' });
  const seen: Array<{ a: number; b: number }> = [];
  const result = streamText({
    model: modelFor(llm),
    prompt: 'what is 2+3?',
    maxRetries: 0,
    tools: {
      add: tool({
        description: 'add two numbers',
        inputSchema: z.object({ a: z.number(), b: z.number() }),
        execute: async ({ a, b }) => { seen.push({ a, b }); return a + b; },
      }),
    },
    stopWhen: stepCountIs(3),
  });
  let text = '';
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') text += part.text;
    if (part.type === 'error') throw part.error;
  }
  assert.equal(text, '5');
  assert.deepEqual(seen, [{ a: 2, b: 3 }]);
  assert.equal((await result.steps).length, 2);
  assert.equal(llm.pending(), 0);
  assert.equal(llm.requests.length, 2);
  const first = llm.requests[0]!.body;
  assert.equal(first.tools?.[0]?.type, 'function');
  assert.equal(first.tools?.[0]?.function?.name, 'add');
  const msgs = llm.requests[1]!.body.messages as any[];
  const assistant = msgs.find((m) => m.role === 'assistant');
  assert.equal(assistant?.tool_calls?.[0]?.id, 'call_add_1');
  assert.deepEqual(JSON.parse(assistant?.tool_calls?.[0]?.function?.arguments), { a: 2, b: 3 });
  const toolMsg = msgs.find((m) => m.role === 'tool');
  assert.ok(toolMsg, 'second request carries a tool message');
  assert.equal(toolMsg.tool_call_id, 'call_add_1');
  assert.equal(toolMsg.content, '5');
});

test('several tool calls in one step keep their ids and arguments (non-streaming too)', async (t) => {
  const llm = await start(t);
  const calls = [{ name: 'add', arguments: { a: 1, b: 1 } }, { id: 'c2', name: 'add', arguments: { a: 10, b: 20 } }];
  llm.script({ toolCalls: calls }, { toolCalls: calls });
  const tools = { add: tool({ inputSchema: z.object({ a: z.number(), b: z.number() }) }) };
  const streamed = streamText({ model: modelFor(llm), prompt: 'x', tools, maxRetries: 0 });
  const got = (await streamed.toolCalls).map((c) => ({ id: c.toolCallId, input: c.input }));
  assert.equal(got.length, 2);
  assert.deepEqual(got[0]!.input, { a: 1, b: 1 });
  assert.deepEqual(got[1], { id: 'c2', input: { a: 10, b: 20 } });
  assert.equal(await streamed.finishReason, 'tool-calls');
  const generated = await generateText({ model: modelFor(llm), prompt: 'x', tools, maxRetries: 0 });
  assert.deepEqual(generated.toolCalls.map((c) => c.input), [{ a: 1, b: 1 }, { a: 10, b: 20 }]);
  assert.equal(generated.finishReason, 'tool-calls');
});

test('an error step surfaces its status and message through the SDK', async (t) => {
  const llm = await start(t);
  const err = { status: 401, error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } };
  llm.script(err, err);
  await assert.rejects(
    generateText({ model: modelFor(llm), prompt: 'x', maxRetries: 0 }),
    (e: any) => { assert.match(String(e?.message), /Incorrect API key provided/); assert.equal(e?.statusCode, 401); return true; },
  );
  const errors: unknown[] = [];
  const result = streamText({ model: modelFor(llm), prompt: 'x', maxRetries: 0, onError: ({ error }) => { errors.push(error); } });
  for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
  assert.ok(errors.length > 0, 'streamText reported the error');
  assert.match(String((errors[0] as Error).message), /Incorrect API key provided/);
  assert.equal(llm.pending(), 0);
  assert.equal(llm.requests[0]!.path, '/v1/chat/completions');
});

test('a 429 step with retry-after-ms is retried by the SDK like a real rate limit', async (t) => {
  const llm = await start(t);
  const limited = { status: 429, error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }, headers: { 'retry-after-ms': '20' } };
  llm.script(limited, { text: 'after retry' });
  const t0 = Date.now();
  const r = await generateText({ model: modelFor(llm), prompt: 'x', maxRetries: 1 });
  assert.equal(r.text, 'after retry');
  assert.equal(llm.requests.length, 2);
  assert.ok(Date.now() - t0 < 1500, 'the retry waited retry-after-ms, not the 2 s default backoff');
  llm.script(limited);
  await assert.rejects(generateText({ model: modelFor(llm), prompt: 'x', maxRetries: 0 }), (e: any) => e?.statusCode === 429 && /Rate limit reached/.test(e.message));
});

test('a hanging step is cut by the caller timeout and close() returns promptly', async (t) => {
  const llm = await start(t);
  llm.script({ hang: true });
  const started = Date.now();
  const errors: unknown[] = [];
  const result = streamText({ model: modelFor(llm), prompt: 'x', maxRetries: 0, abortSignal: AbortSignal.timeout(300), onError: ({ error }) => { errors.push(error); } });
  let aborted = false;
  try {
    for await (const part of result.fullStream) {
      if (part.type === 'abort') aborted = true;
      if (part.type === 'error') errors.push(part.error);
    }
  } catch (e) { errors.push(e); }
  const elapsed = Date.now() - started;
  assert.ok(aborted || errors.length > 0, 'the stream ended with an abort or an error');
  assert.ok(elapsed >= 250 && elapsed < 5000, `aborted after ${elapsed} ms`);
  const t0 = Date.now();
  await llm.close();
  assert.ok(Date.now() - t0 < 1000, 'close() is prompt');
});

test('close() ends a hanging request nobody aborted', async () => {
  const llm = await startScriptedLlm({ defaultStep: { hang: true } });
  const pending = fetch(`${llm.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m","messages":[]}' });
  while (llm.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
  const t0 = Date.now();
  await llm.close();
  assert.ok(Date.now() - t0 < 1000, 'close() is prompt');
  await assert.rejects(pending);
  await llm.close(); // idempotent
});

test('respond computes the step from the request; an empty queue falls back to the default step', async (t) => {
  const llm = await start(t);
  llm.script({ respond: (req) => ({ text: `you said: ${req.body.messages.at(-1).content}` }) });
  const r = await generateText({ model: modelFor(llm), prompt: 'ping', maxRetries: 0 });
  assert.equal(r.text, 'you said: ping');
  await assert.rejects(generateText({ model: modelFor(llm), prompt: 'x', maxRetries: 0 }), /no scripted step left/);

  const fallback = await start(t, { defaultStep: { text: 'default' } });
  const d = await generateText({ model: modelFor(fallback), prompt: 'x', maxRetries: 0 });
  assert.equal(d.text, 'default');
});

test('GET /v1/models lists the models seen; other paths are 404', async (t) => {
  const llm = await start(t);
  llm.script({ text: 'x' });
  await generateText({ model: modelFor(llm, 'my-model'), prompt: 'x', maxRetries: 0 });
  const models = await fetch(`${llm.url}/models`);
  assert.equal(models.status, 200);
  const list = (await models.json()) as { data: Array<{ id: string }> };
  assert.deepEqual(list.data.map((m) => m.id).sort(), ['my-model', 'scripted-model']);
  const missing = await fetch(`${llm.url}/completions`, { method: 'POST', body: '{}' });
  assert.equal(missing.status, 404);
  assert.ok(((await missing.json()) as { error?: { message?: string } }).error?.message);
  const wrongMethod = await fetch(`${llm.url}/chat/completions`);
  assert.equal(wrongMethod.status, 404);
  assert.deepEqual(llm.requests.map((r) => `${r.method} ${r.path}`), [
    'POST /v1/chat/completions', 'GET /v1/models', 'POST /v1/completions', 'GET /v1/chat/completions',
  ]);
});

test('with apiKey, a request without that bearer key is refused with OpenAI\'s 401 invalid_api_key', async (t) => {
  const llm = await start(t, { apiKey: 'sk-right' });
  const wrong = await fetch(`${llm.url}/models`, { headers: { authorization: 'Bearer sk-wrong' } });
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
  assert.equal((await fetch(`${llm.url}/models`)).status, 401);
  assert.equal((await fetch(`${llm.url}/models`, { headers: { authorization: 'Bearer sk-right' } })).status, 200);
});
