/**
 * A fake Telegram Bot API server on 127.0.0.1 (node:http, ephemeral port), a real HTTP peer for
 * grammy: `POST /bot<token>/<method>` with JSON bodies, answers `{ok, result}` or
 * `{ok:false, error_code, description, parameters?}` like the real API. getUpdates is a real long
 * poll (offset confirms, timeout holds the request); an unknown token gets 401.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One API call as received. */
export interface TgCall { token: string; method: string; params: any; at: number }
/** A user as Telegram describes one. */
export interface TgUser { id: number; first_name: string; last_name?: string; username?: string; is_bot?: boolean }
interface Bot { id: number; username: string; updates: any[]; nextId: number; waiters: Set<() => void>; conflict: boolean }

export interface FakeTelegram {
  /** API root for `api_base_url`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  calls: TgCall[];
  addBot(token: string, bot?: { id?: number; username?: string }): void;
  /** Queues a raw update (update_id is assigned). */
  push(token: string, update: Record<string, unknown>): number;
  /** Queues a text message from `from` in a private chat (default) or in `chat`. */
  say(token: string, from: TgUser, text: string, o?: { chat?: { id: number; type: 'group' | 'supergroup'; title?: string }; mention?: string; replyToBot?: boolean; threadId?: number }): number;
  /** Queues a callback-query (inline button press). */
  press(token: string, from: TgUser, data: string, message?: { chatId: number; messageId: number }): number;
  /** Makes getUpdates answer 409 (another instance polling). */
  conflict(token: string, on: boolean): void;
  /** The next `count` calls of `method` answer 429 with retry_after. */
  rateLimit(method: string, retryAfterSecs: number, count?: number): void;
  waitFor(pred: (c: TgCall) => boolean, timeoutMs?: number): Promise<TgCall>;
  /** Messages sent to a chat (sendMessage texts), oldest first. */
  sent(chatId: number | string): string[];
  close(): Promise<void>;
}

/** Starts the fake server. Always `await tg.close()`. */
export async function startFakeTelegram(): Promise<FakeTelegram> {
  const bots = new Map<string, Bot>();
  const calls: TgCall[] = [];
  const watchers = new Set<{ pred: (c: TgCall) => boolean; resolve: (c: TgCall) => void }>();
  const sockets = new Set<Socket>();
  const limits: Array<{ method: string; retryAfter: number; left: number }> = [];
  let messageId = 1000;

  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const ok = (res: http.ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });
  const fail = (res: http.ServerResponse, code: number, description: string, parameters?: unknown) =>
    reply(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

  const record = (c: TgCall) => {
    calls.push(c);
    for (const w of [...watchers]) if (w.pred(c)) { watchers.delete(w); w.resolve(c); }
  };
  const wake = (b: Bot) => { for (const w of [...b.waiters]) w(); };

  function getUpdates(b: Bot, p: any, res: http.ServerResponse): void {
    const offset = Number(p.offset ?? 0);
    if (offset > 0) b.updates = b.updates.filter((u) => u.update_id >= offset); // confirmed
    const ready = () => b.updates.filter((u) => u.update_id >= offset);
    if (b.conflict) return fail(res, 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    if (ready().length > 0) return ok(res, ready().slice(0, 100));
    const timeoutMs = Math.min(Number(p.timeout ?? 0), 50) * 1000;
    if (timeoutMs === 0) return ok(res, []);
    const done = () => { clearTimeout(t); b.waiters.delete(done); if (b.conflict) fail(res, 409, 'Conflict: terminated by other getUpdates request'); else ok(res, ready().slice(0, 100)); };
    const t = setTimeout(done, timeoutMs);
    b.waiters.add(done);
    // The response closes when the client aborts (the request stream closes as soon as its body is read).
    res.on('close', () => { clearTimeout(t); b.waiters.delete(done); });
  }

  function handle(token: string, method: string, p: any, res: http.ServerResponse): void {
    const b = bots.get(token);
    if (!b) return fail(res, 401, 'Unauthorized');
    const lim = limits.find((l) => l.method === method && l.left > 0);
    if (lim) { lim.left--; return fail(res, 429, `Too Many Requests: retry after ${lim.retryAfter}`, { retry_after: lim.retryAfter }); }
    switch (method) {
      case 'getMe': return ok(res, { id: b.id, is_bot: true, first_name: 'Test Bot', username: b.username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'getUpdates': return getUpdates(b, p, res);
      case 'deleteWebhook': case 'setWebhook': case 'setMyCommands': case 'sendChatAction': case 'answerCallbackQuery': return ok(res, true);
      case 'sendMessage': case 'editMessageText': {
        if (typeof p.text !== 'string' || p.text.length === 0) return fail(res, 400, 'Bad Request: message text is empty');
        if (p.text.length > 4096) return fail(res, 400, 'Bad Request: message is too long');
        return ok(res, { message_id: method === 'sendMessage' ? ++messageId : Number(p.message_id), date: Math.floor(Date.now() / 1000), chat: { id: Number(p.chat_id), type: Number(p.chat_id) < 0 ? 'group' : 'private' }, text: p.text });
      }
      default: return fail(res, 404, 'Not Found: method not found');
    }
  }

  const server = http.createServer((req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (!m) return fail(res, 404, 'Not Found');
      let params: any = {};
      const raw = Buffer.concat(parts).toString('utf8');
      if (raw) { try { params = JSON.parse(raw); } catch { return fail(res, 400, 'Bad Request: body is not JSON'); } }
      const token = decodeURIComponent(m[1]!);
      record({ token, method: m[2]!, params, at: Date.now() });
      handle(token, m[2]!, params, res);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const botOf = (token: string) => { const b = bots.get(token); if (!b) throw new Error(`no bot ${token}`); return b; };
  const push = (token: string, update: Record<string, unknown>) => {
    const b = botOf(token);
    const id = b.nextId++;
    b.updates.push({ update_id: id, ...update });
    wake(b);
    return id;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    addBot(token, o = {}) { bots.set(token, { id: o.id ?? 777000 + bots.size, username: o.username ?? `test${bots.size}_bot`, updates: [], nextId: 1, waiters: new Set(), conflict: false }); },
    push,
    say(token, from, text, o = {}) {
      const b = botOf(token);
      const chat = o.chat ?? { id: from.id, type: 'private', first_name: from.first_name, ...(from.username ? { username: from.username } : {}) };
      const full = o.mention ? `@${o.mention} ${text}` : text;
      return push(token, { message: {
        message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat, from: { is_bot: false, ...from }, text: full,
        ...(o.mention ? { entities: [{ type: 'mention', offset: 0, length: o.mention.length + 1 }] } : {}),
        ...(o.replyToBot ? { reply_to_message: { message_id: 1, date: 0, chat, from: { id: b.id, is_bot: true, first_name: 'Test Bot', username: b.username }, text: 'earlier' } } : {}),
        ...(o.threadId ? { message_thread_id: o.threadId, is_topic_message: true } : {}),
      } });
    },
    press(token, from, data, message) {
      return push(token, { callback_query: { id: `cq${++messageId}`, from: { is_bot: false, ...from }, chat_instance: 'x', data,
        ...(message ? { message: { message_id: message.messageId, date: 0, chat: { id: message.chatId, type: 'private' }, text: 'notice' } } : {}) } });
    },
    conflict(token, on) { const b = botOf(token); b.conflict = on; wake(b); },
    rateLimit(method, retryAfter, count = 1) { limits.push({ method, retryAfter, left: count }); },
    waitFor(pred, timeoutMs = 5000) {
      const hit = calls.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (c: TgCall) => { clearTimeout(t); resolve(c); } };
        const t = setTimeout(() => { watchers.delete(w); reject(new Error('timed out waiting for a Telegram API call')); }, timeoutMs);
        watchers.add(w);
      });
    },
    sent: (chatId) => calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(chatId)).map((c) => c.params.text as string),
    close() {
      return new Promise<void>((resolve) => {
        for (const b of bots.values()) b.waiters.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
    },
  };
}
