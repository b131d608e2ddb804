/**
 * The Telegram adapter (grammy's Api over the account's pinned API root): getMe, deleteWebhook,
 * setMyCommands, then a long-poll loop that close() stops at once (its request is aborted).
 * 401 → `error: invalid token`; 409 → `disabled: another instance is polling`. Webhook mode
 * instead registers `webhook_url` with a secret token that every callback must echo.
 */
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { TelegramSettings } from '../../config/index.js';
import type { AdapterContext, AdapterFactory } from '../accounts.js';
import { createDedupe } from '../dedupe.js';
import { ChannelStartError, type CallbackRequest, type CallbackResponse, type PlatformClient } from '../types.js';
import { toButton, toInbound, type BotIdentity } from './inbound.js';
import { grammySignal, retryAfter, sendText } from './send.js';

export { splitText, TELEGRAM_MAX_CHARS } from './send.js';

/** Options of the adapter (tests shorten the error backoff). */
export interface TelegramAdapterOptions { errorBackoffMs?: number }

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** Maps a failed call to the account status it means; null for a transient failure. */
function fatalOf(err: unknown): ChannelStartError | null {
  const code = (err as { error_code?: unknown })?.error_code;
  // Telegram answers 401 for a wrong token and 404 for a malformed one.
  if (code === 401 || code === 404) return new ChannelStartError('error', 'invalid token');
  if (code === 409) return new ChannelStartError('disabled', 'another instance is polling');
  return null;
}

function createClient(ctx: AdapterContext, o: TelegramAdapterOptions): PlatformClient {
  const s = ctx.settings as TelegramSettings;
  const stopper = new AbortController();
  const signal = stopper.signal;
  const gsig = grammySignal(signal);
  let api: Api | null = null;
  let bot: BotIdentity | null = null;
  let loop: Promise<void> | null = null;
  const updates = createDedupe({ max: 2500, ttlMs: 300_000, now: ctx.now });

  /** Webhook mode: Telegram's POST, checked against the secret token in constant time. */
  function callback(req: CallbackRequest): CallbackResponse {
    const got = req.headers['x-telegram-bot-api-secret-token'];
    const a = Buffer.from(typeof got === 'string' ? got : '');
    const b = Buffer.from(ctx.secrets.webhook_secret ?? '');
    // Fail closed: a missing, short or different token is refused (equal lengths compared in constant time).
    if (b.length === 0 || a.length !== b.length || !timingSafeEqual(a, b)) return { status: 401, body: { ok: false, error: 'invalid secret token' } };
    let u: Update;
    try { u = JSON.parse(req.rawBody.toString('utf8')) as Update; } catch { return { status: 400, body: { ok: false, error: 'body is not a JSON update' } }; }
    if (typeof u?.update_id !== 'number') return { status: 400, body: { ok: false, error: 'no update_id' } };
    // Telegram redelivers until it gets a 200: each update is handled once.
    if (bot && updates.first(String(u.update_id))) setImmediate(() => { try { handle(u); } catch (err) { ctx.sink.log(`telegram ${ctx.accountId}: ${(err as Error).message}`); } });
    return { status: 200, body: { ok: true } };
  }

  const handle = (u: Update): void => {
    const m = toInbound(u, bot!);
    if (m) { ctx.sink.message(m); return; }
    const b = toButton(u);
    if (!b) return;
    ctx.sink.button({
      senderId: b.senderId, chatId: b.chatId, action: b.action, target: b.target,
      answer: async (text) => {
        await api!.answerCallbackQuery(b.queryId, { text }, gsig).catch(() => undefined);
        if (b.messageId !== null) await api!.editMessageText(b.chatId, b.messageId, text, {}, gsig).catch(() => undefined);
      },
    });
  };

  async function poll(): Promise<void> {
    let offset = 0;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await api!.getUpdates({ offset, timeout: s.poll_timeout_secs, allowed_updates: [...ALLOWED_UPDATES] }, gsig);
      } catch (err) {
        if (signal.aborted) return;
        const fatal = fatalOf(err);
        if (fatal) { ctx.sink.fatal(fatal); return; }
        ctx.sink.log(`telegram ${ctx.accountId}: getUpdates failed (${(err as Error).message}); retrying`);
        const wait = retryAfter(err);
        try { await sleep(wait !== null ? wait * 1000 : o.errorBackoffMs ?? 5000, undefined, { signal }); } catch { return; }
        continue;
      }
      for (const u of updates) {
        offset = Math.max(offset, u.update_id + 1);
        try { handle(u); } catch (err) { ctx.sink.log(`telegram ${ctx.accountId}: update ${u.update_id} failed: ${(err as Error).message}`); }
      }
    }
  }

  const client: PlatformClient = {
    async start() {
      // grammy loads on first use: a gateway without Telegram accounts never pays for it.
      const g = await import('grammy');
      api = new g.Api(ctx.secrets.token!, {
        apiRoot: ctx.api.url,
        // The long poll holds a request for poll_timeout_secs: allow that plus slack.
        timeoutSeconds: s.poll_timeout_secs + 15,
        baseFetchConfig: { agent: ctx.api.agent, compress: true },
      });
      try {
        const me = await api.getMe(gsig);
        bot = { id: me.id, username: me.username };
        if (s.connection_mode === 'webhook') {
          await api.setWebhook(s.webhook_url!, { secret_token: ctx.secrets.webhook_secret!, allowed_updates: [...ALLOWED_UPDATES] }, gsig);
        } else {
          // Polling and a webhook exclude each other: drop a webhook left by another setup.
          await api.deleteWebhook({}, gsig);
        }
      } catch (err) {
        throw fatalOf(err) ?? new ChannelStartError('error', `cannot reach the Telegram API: ${(err as Error).message}`);
      }
      await api.setMyCommands([{ command: 'start', description: 'Say hello' }], {}, gsig).catch(() => undefined);
      if (s.connection_mode === 'polling') loop = poll().catch((err: unknown) => ctx.sink.log(`telegram ${ctx.accountId}: poll loop ended: ${(err as Error).message}`));
      return { botName: bot.username };
    },
    async send(chatId, text, opts = {}) {
      if (!api) throw new Error('telegram client is not started');
      await sendText(api, chatId, text, opts, signal);
    },
    async typing(chatId, threadId) {
      await api?.sendChatAction(chatId, 'typing', threadId ? { message_thread_id: Number(threadId) } : {}, gsig).catch(() => undefined);
    },
    async stop() {
      stopper.abort();
      await loop;
    },
  };
  if (s.connection_mode === 'webhook') client.callback = callback;
  return client;
}

/** The Telegram adapter factory. */
export function telegramAdapter(o: TelegramAdapterOptions = {}): AdapterFactory {
  return (ctx) => createClient(ctx, o);
}
