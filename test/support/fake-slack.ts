/**
 * A fake Slack on 127.0.0.1: the Web API (`POST /api/<method>`, form or JSON bodies, bearer
 * tokens; `{ok:false, error:"invalid_auth"}` for a bad token like the real one) and a Socket Mode
 * WebSocket (`apps.connections.open` hands out its URL; it says `hello`, delivers envelopes and
 * records acks). Plus `signedPost`, which signs an Events API body the way Slack does.
 */
import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackCall { method: string; token: string | null; params: Record<string, any> }

export interface FakeSlack {
  /** API root for `api_base_url`, e.g. `http://127.0.0.1:41234/api`. */
  url: string;
  calls: SlackCall[];
  acks: string[];
  /** Sends an Events API envelope over every open Socket Mode connection. */
  socketEvent(payload: Record<string, unknown>, type?: string): string;
  /** Open Socket Mode connections. */
  sockets(): number;
  rateLimit(method: string, retryAfterSecs: number, count?: number): void;
  waitFor(pred: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  posted(channel: string): string[];
  close(): Promise<void>;
}

/** Starts the fake. `botToken` / `appToken` are the valid ones. */
export async function startFakeSlack(o: { botToken: string; appToken: string; team?: string; botUser?: string }): Promise<FakeSlack> {
  const team = o.team ?? 'T1';
  const botUser = o.botUser ?? 'UBOT';
  const calls: SlackCall[] = [];
  const acks: string[] = [];
  const watchers = new Set<{ pred: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }>();
  const sockets = new Set<Socket>();
  const limits: Array<{ method: string; retryAfter: number; left: number }> = [];
  let ts = 1_700_000_000;
  let envelope = 0;

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const m = /^\/api\/([A-Za-z.]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
      if (!m) return json(res, 404, { ok: false, error: 'unknown_method' });
      const raw = Buffer.concat(parts).toString('utf8');
      const params: Record<string, any> = String(req.headers['content-type']).includes('json') ? (raw ? JSON.parse(raw) : {}) : Object.fromEntries(new URLSearchParams(raw));
      for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && /^[[{]/.test(v)) { try { params[k] = JSON.parse(v); } catch { /* plain text */ } }
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : (params.token ?? null);
      const call: SlackCall = { method: m[1]!, token, params };
      calls.push(call);
      for (const w of [...watchers]) if (w.pred(call)) { watchers.delete(w); w.resolve(call); }
      const lim = limits.find((l) => l.method === call.method && l.left > 0);
      if (lim) { lim.left--; return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(lim.retryAfter) }); }
      if (call.method === 'apps.connections.open') {
        if (token !== o.appToken) return json(res, 200, { ok: false, error: 'invalid_auth' });
        return json(res, 200, { ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket` });
      }
      if (token !== o.botToken) return json(res, 200, { ok: false, error: 'invalid_auth' });
      switch (call.method) {
        case 'auth.test': return json(res, 200, { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'moltis', team_id: team, user_id: botUser, bot_id: 'B1' });
        case 'chat.postMessage': return json(res, 200, { ok: true, channel: params.channel, ts: `${++ts}.000100`, message: { text: params.text } });
        case 'chat.postEphemeral': return json(res, 200, { ok: true, message_ts: `${++ts}.000200` });
        default: return json(res, 200, { ok: false, error: 'unknown_method' });
      }
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const wss = new WebSocketServer({ server, path: '/socket' });
  const open = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    open.add(ws);
    ws.on('close', () => open.delete(ws));
    ws.on('message', (d) => { try { const m = JSON.parse(d.toString()) as { envelope_id?: string }; if (m.envelope_id) acks.push(m.envelope_id); } catch { /* ignore */ } });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A1' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    calls, acks,
    socketEvent(payload, type = 'events_api') {
      const id = `env-${++envelope}`;
      for (const ws of open) ws.send(JSON.stringify({ envelope_id: id, type, payload, accepts_response_payload: false, retry_attempt: 0 }));
      return id;
    },
    sockets: () => open.size,
    rateLimit(method, retryAfter, count = 1) { limits.push({ method, retryAfter, left: count }); },
    waitFor(pred, timeoutMs = 5000) {
      const hit = calls.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (c: SlackCall) => { clearTimeout(t); resolve(c); } };
        const t = setTimeout(() => { watchers.delete(w); reject(new Error('timed out waiting for a Slack API call')); }, timeoutMs);
        watchers.add(w);
      });
    },
    posted: (channel) => calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === channel).map((c) => String(c.params.text)),
    close() {
      return new Promise<void>((resolve) => {
        for (const ws of open) ws.terminate();
        wss.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
    },
  };
}

/** Signs and POSTs an Events API body as Slack does (`v0=` HMAC-SHA256 over `v0:<ts>:<body>`). */
export async function signedPost(url: string, secret: string, body: string, o: { ts?: number; signature?: string; contentType?: string } = {}): Promise<Response> {
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const sig = o.signature ?? `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(url, { method: 'POST', headers: { 'content-type': o.contentType ?? 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body });
}

let eventSeq = 0;
/** An `event_callback` envelope carrying one message event (each with a distinct `ts`). */
export function messageEvent(o: { eventId: string; user: string; channel: string; text: string; team?: string; ts?: string; type?: string; threadTs?: string }): Record<string, unknown> {
  const team = o.team ?? 'T1';
  return {
    token: 'legacy', team_id: team, api_app_id: 'A1', type: 'event_callback', event_id: o.eventId, event_time: Math.floor(Date.now() / 1000),
    event: { type: o.type ?? 'message', user: o.user, channel: o.channel, channel_type: o.channel.startsWith('D') ? 'im' : 'channel', text: o.text, ts: o.ts ?? `${Math.floor(Date.now() / 1000)}.${String(++eventSeq).padStart(6, '0')}`, team, ...(o.threadTs ? { thread_ts: o.threadTs } : {}) },
  };
}
