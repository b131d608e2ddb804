/**
 * A scripted OpenAI-compatible Chat Completions server on 127.0.0.1, used by system tests in
 * place of a paid provider. It is a real HTTP peer (node:http on an ephemeral port), so the
 * gateway's real `ai` SDK + `@ai-sdk/openai` code path runs end to end: request building, SSE
 * parsing, tool-call assembly, error mapping, aborts.
 *
 * Wire format follows what `@ai-sdk/openai` 3 (chat model) sends and parses:
 * - request `POST {baseURL}/chat/completions` with `model`, `messages`, `tools`, and for
 *   streaming `stream: true` + `stream_options.include_usage`;
 * - streamed `chat.completion.chunk` objects whose `choices[0].delta` carries `role`, `content`
 *   or `tool_calls[{index,id,type,function:{name,arguments}}]`, then `finish_reason`, then a
 *   usage chunk with `choices: []` (the SDK's schema requires the array), then `data: [DONE]`;
 * - errors as `{ error: { message, type, code } }` with the HTTP status.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Token counts reported in `usage`; by default estimated from the request and output sizes. */
export interface ScriptUsage { prompt_tokens: number; completion_tokens: number }

/** What the server does for one `/chat/completions` request. */
export type ScriptStep =
  /** Answer with text, streamed as `chunks` deltas (default 3) `delayMs` apart. */
  | { text: string; chunks?: number; delayMs?: number; usage?: ScriptUsage }
  /**
   * Answer with tool calls. `arguments` is JSON-serialized, except a string, which is sent
   * verbatim (so a test can send malformed JSON). `id` defaults to `call_<n>`.
   */
  | { toolCalls: Array<{ id?: string; name: string; arguments: unknown }>; usage?: ScriptUsage }
  /**
   * Answer with an HTTP error, e.g. 401 `invalid_api_key` or 429 `rate_limit_exceeded`;
   * `headers` adds response headers such as `retry-after-ms`, which the SDK's retry honours.
   */
  | { status: number; error: { message: string; type?: string; code?: string }; headers?: Record<string, string> }
  /** Accept the request and never answer; `close()` ends it. */
  | { hang: true }
  /** Compute the step from the request. */
  | { respond: (req: RecordedRequest) => ScriptStep };

/** One request as received (every request, including `/v1/models` and 404s). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; `undefined` when there is none or it is not JSON. */
  body: any;
}

/** A running scripted server. */
export interface ScriptedLlm {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Queue steps: each incoming `/chat/completions` request consumes the next step. */
  script(...steps: ScriptStep[]): void;
  /** Steps left unconsumed (tests assert 0). */
  pending(): number;
  /** Ends hanging and streaming requests, destroys open sockets, closes the server. */
  close(): Promise<void>;
}

/** Options for {@link startScriptedLlm}. */
export interface ScriptedLlmOptions {
  /** Step used when the queue is empty; default: 500 "no scripted step left". */
  defaultStep?: ScriptStep;
  /** Clock for `created` timestamps (ms). */
  now?: () => number;
  /**
   * Require `Authorization: Bearer <apiKey>` on every request (as hosted providers do); others
   * get OpenAI's 401 `invalid_api_key` refusal.
   */
  apiKey?: string;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_RESPOND_DEPTH = 8;
const EXHAUSTED: ScriptStep = { status: 500, error: { message: 'no scripted step left', type: 'server_error', code: 'script_exhausted' } };

type FinalStep = Exclude<ScriptStep, { respond: unknown }>;

/** Starts the server on 127.0.0.1, port 0. Always `await llm.close()` (e.g. in `t.after`). */
export async function startScriptedLlm(opts: ScriptedLlmOptions = {}): Promise<ScriptedLlm> {
  const now = opts.now ?? Date.now;
  const defaultStep = opts.defaultStep ?? EXHAUSTED;
  const queue: ScriptStep[] = [];
  const requests: RecordedRequest[] = [];
  const models = new Set<string>(['scripted-model']);
  const sockets = new Set<Socket>();
  const shutdown = new AbortController();
  let seq = 0;

  const server = http.createServer((req, res) => {
    readBody(req).then(
      (raw) => handle(req, res, raw),
      () => sendError(res, 413, { message: 'request body too large', type: 'invalid_request_error' }),
    ).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, { message: `scripted-llm: ${String(err)}`, type: 'server_error' });
      else res.destroy();
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let body: any = undefined;
    if (raw.length > 0) { try { body = JSON.parse(raw); } catch { body = undefined; } }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers: { ...req.headers }, body };
    requests.push(rec);

    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      sendError(res, 401, { message: 'Incorrect API key provided. You can find your API key in your account settings.', type: 'invalid_request_error', code: 'invalid_api_key' });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const created = Math.floor(now() / 1000);
      sendJson(res, 200, { object: 'list', data: [...models].map((id) => ({ id, object: 'model', created, owned_by: 'scripted' })) });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendError(res, 404, { message: `no route for ${req.method} ${path}`, type: 'invalid_request_error', code: 'not_found' });
      return;
    }
    if (body === null || typeof body !== 'object') {
      sendError(res, 400, { message: 'body is not a JSON object', type: 'invalid_request_error' });
      return;
    }
    if (typeof body.model === 'string') models.add(body.model);
    const step = resolveStep(queue.shift() ?? defaultStep, rec);
    await answer(step, rec, res);
  }

  function resolveStep(step: ScriptStep, rec: RecordedRequest): FinalStep {
    for (let depth = 0; depth < MAX_RESPOND_DEPTH; depth++) {
      if (!('respond' in step)) return step;
      step = step.respond(rec);
    }
    throw new Error('respond() nested too deeply');
  }

  async function answer(step: FinalStep, rec: RecordedRequest, res: http.ServerResponse): Promise<void> {
    if ('hang' in step) return; // the socket stays open until the client aborts or close() runs
    if ('status' in step) { sendError(res, step.status, step.error, step.headers); return; }

    const body = rec.body as { model?: unknown; messages?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
    const meta = { id: `chatcmpl-scripted-${++seq}`, created: Math.floor(now() / 1000), model: typeof body.model === 'string' ? body.model : 'scripted-model' };
    const calls = 'toolCalls' in step
      ? step.toolCalls.map((c, i) => ({ id: c.id ?? `call_${seq}_${i}`, name: c.name, args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) }))
      : [];
    const outputChars = 'text' in step ? step.text.length : calls.reduce((n, c) => n + c.name.length + c.args.length, 0);
    const usage = withTotal(step.usage ?? {
      prompt_tokens: Math.max(1, Math.ceil(JSON.stringify(body.messages ?? []).length / 4)),
      completion_tokens: Math.max(1, Math.ceil(outputChars / 4)),
    });
    const finish = 'text' in step ? 'stop' : 'tool_calls';

    if (body.stream !== true) {
      const message = 'text' in step
        ? { role: 'assistant', content: step.text }
        : { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) };
      sendJson(res, 200, { ...meta, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage });
      return;
    }

    // Stops writing when the client goes away or the server shuts down mid-stream.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const signal = AbortSignal.any([gone.signal, shutdown.signal]);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
      if (!signal.aborted) res.write(`data: ${JSON.stringify({ ...meta, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
    };
    const delta = (d: Record<string, unknown>): void => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: null }]);

    if ('text' in step) {
      const parts = splitText(step.text, step.chunks ?? 3);
      for (const [i, part] of parts.entries()) {
        if (i > 0 && step.delayMs) {
          try { await sleep(step.delayMs, undefined, { signal }); } catch { return; }
        }
        delta(i === 0 ? { role: 'assistant', content: part } : { content: part });
      }
    } else {
      delta({ role: 'assistant', content: null });
      for (const [index, c] of calls.entries()) {
        delta({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
        for (const piece of halves(c.args)) delta({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    }
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]);
    if (body.stream_options?.include_usage === true) chunk([], { usage });
    if (!signal.aborted) res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...steps) => { queue.push(...steps); },
    pending: () => queue.length,
    close() {
      closing ??= new Promise<void>((resolve) => {
        shutdown.abort();
        server.close(() => resolve());
        // Hanging requests and keep-alive sockets would otherwise hold close() open forever.
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function withTotal(u: ScriptUsage): ScriptUsage & { total_tokens: number } {
  return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
}

/** Splits by code point (never inside a surrogate pair) into at most `n` non-empty parts. */
function splitText(text: string, n: number): string[] {
  const cps = Array.from(text);
  if (cps.length === 0) return [''];
  const count = Math.max(1, Math.min(Math.floor(n), cps.length));
  const size = Math.ceil(cps.length / count);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

/** Two pieces, as real providers split arguments across deltas; one piece if too short. */
function halves(s: string): string[] {
  if (s.length < 2) return [s];
  const mid = Math.floor(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)];
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Refuse oversized bodies rather than buffer without limit.
      if (size > MAX_BODY_BYTES) { reject(new Error('too large')); req.pause(); return; }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, e: { message: string; type?: string; code?: string }, headers?: Record<string, string>): void {
  sendJson(res, status, { error: { message: e.message, type: e.type ?? 'invalid_request_error', param: null, code: e.code ?? null } }, headers);
}
