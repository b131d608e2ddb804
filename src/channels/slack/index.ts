/**
 * The Slack adapter: @slack/web-api over the account's pinned API root (auth.test at start,
 * chat.postMessage for replies), receiving by Socket Mode (@slack/socket-mode, default) or by
 * Events API callbacks (`POST /api/channels/slack/<account>/events|interactions|commands`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import type { SocketModeClient } from '@slack/socket-mode';
import type { SlackSettings } from '../../config/index.js';
import { createGuardedDispatcher, type GuardedDispatcher } from '../../net/index.js';
import type { AdapterContext, AdapterFactory } from '../accounts.js';
import { ChannelStartError, type CallbackRequest, type CallbackResponse, type PlatformClient } from '../types.js';
import { splitText } from '../telegram/send.js';
import { commandToInbound, eventToInbound, interactionToButton, type SlackBot } from './inbound.js';
import { createDedupe, verifySlackRequest } from './verify.js';

export { verifySlackRequest, SLACK_MAX_SKEW_S } from './verify.js';

/** Slack renders long messages poorly: replies are split well below its 40k hard limit. */
const SLACK_MAX_CHARS = 3900;
const MAX_RETRY_AFTER_S = 60;
const START_TIMEOUT_MS = 15_000;
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/** Errors and warnings of the SDKs go to the gateway's log, nothing else (no token ever logged). */
const quietLogger = (log: (l: string) => void) => ({
  debug: () => undefined, info: () => undefined, warn: () => undefined,
  error: (...m: unknown[]) => log(`slack: ${m.map(String).join(' ').slice(0, 300)}`),
  setLevel: () => undefined, getLevel: () => 'error' as never, setName: () => undefined,
});

const platformError = (err: unknown): string | null => {
  const d = (err as { data?: { error?: unknown } }).data;
  return typeof d?.error === 'string' ? d.error : null;
};

function createClient(ctx: AdapterContext): PlatformClient {
  const s = ctx.settings as SlackSettings;
  const stopper = new AbortController();
  const logger = quietLogger(ctx.sink.log);
  const events = createDedupe({ max: 2500, ttlMs: 300_000, now: ctx.now });
  let web: WebClient | null = null;
  let socket: SocketModeClient | null = null;
  let dialer: GuardedDispatcher | null = null;
  let bot: SlackBot | null = null;

  /** One payload, from Socket Mode or an Events API callback (already verified). */
  function ingest(kind: 'events' | 'interactions' | 'commands', payload: Record<string, unknown>): void {
    if (!bot) return;
    if (kind === 'events') {
      // Slack may send a mention as both `message` and `app_mention`: one turn per message.
      const ev = payload.event as { channel?: unknown; ts?: unknown } | undefined;
      const m = eventToInbound(payload, bot, s.thread_replies);
      if (m && events.first(`msg:${String(ev?.channel)}:${String(ev?.ts)}`)) ctx.sink.message(m);
      return;
    }
    if (kind === 'commands') {
      const m = commandToInbound(payload as Record<string, string>);
      if (m) ctx.sink.message(m);
      return;
    }
    const b = interactionToButton(payload);
    if (!b) return;
    const user = b.senderId.split(':')[1]!;
    ctx.sink.button({ ...b, answer: async (text) => { await web?.chat.postEphemeral({ channel: b.chatId, user, text }).catch(() => undefined); } });
  }

  /** Calls the Web API, waiting out a 429's Retry-After (bounded). */
  async function call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try { return await fn(); } catch (err) {
        const retry = (err as { code?: unknown; retryAfter?: unknown });
        if (retry.code !== 'slack_webapi_rate_limited_error' || attempt >= 3 || stopper.signal.aborted) throw err;
        await sleep(Math.min(Number(retry.retryAfter) || 1, MAX_RETRY_AFTER_S) * 1000, undefined, { signal: stopper.signal });
      }
    }
  }

  function callback(req: CallbackRequest): CallbackResponse {
    const bad = verifySlackRequest({ signingSecret: ctx.secrets.signing_secret!, headers: req.headers, rawBody: req.rawBody, nowMs: ctx.now() });
    if (bad) return { status: bad.status, body: { ok: false, error: bad.error } };
    let payload: Record<string, unknown>;
    try {
      const text = req.rawBody.toString('utf8');
      if (req.endpoint === 'events') payload = JSON.parse(text) as Record<string, unknown>;
      else {
        const form = Object.fromEntries(new URLSearchParams(text));
        payload = req.endpoint === 'interactions' ? JSON.parse(form.payload ?? '{}') as Record<string, unknown> : form;
      }
    } catch {
      return { status: 400, body: { ok: false, error: 'body is not valid for this endpoint' } };
    }
    if (req.endpoint === 'events' && payload.type === 'url_verification') return { status: 200, body: { challenge: String(payload.challenge ?? '') } };
    const id = req.endpoint === 'events' ? payload.event_id : payload.trigger_id ?? payload.action_ts;
    // Slack retries deliveries it thinks failed: each id is processed once.
    if (typeof id === 'string' && !events.first(`${req.endpoint}:${id}`)) return { status: 200, body: { ok: true, deduplicated: true } };
    // Answer fast; the work runs after the response (Slack retries slow answers).
    setImmediate(() => { try { ingest(req.endpoint as 'events', payload); } catch (err) { ctx.sink.log(`slack ${ctx.accountId}: ${(err as Error).message}`); } });
    return req.endpoint === 'commands' ? { status: 200 } : { status: 200, body: { ok: true } };
  }

  const client: PlatformClient = {
    async start() {
      const { WebClient: Web } = await import('@slack/web-api');
      const common = { slackApiUrl: `${ctx.api.url}/`, fetch: ctx.api.fetch, logger, allowAbsoluteUrls: false, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 30_000 };
      web = new Web(ctx.secrets.bot_token, common);
      try {
        const me = await web.auth.test();
        bot = { userId: String(me.user_id), teamId: String(me.team_id), botId: me.bot_id ? String(me.bot_id) : null };
      } catch (err) {
        const code = platformError(err);
        throw new ChannelStartError('error', code && AUTH_ERRORS.has(code) ? 'invalid token' : `cannot reach the Slack API: ${code ?? (err as Error).message}`);
      }
      if (s.connection_mode === 'socket_mode') {
        const { SocketModeClient: Socket } = await import('@slack/socket-mode');
        // The wss URL comes from the API's answer: it is dialed under the same address guard as the root.
        const dispatcher = dialer = await createGuardedDispatcher(ctx.api.guard);
        socket = new Socket({ appToken: ctx.secrets.app_token!, logger, autoReconnectEnabled: true, dispatcher, clientOptions: { ...common, retryConfig: { retries: 2 } } });
        socket.on('slack_event', ({ ack, type, body }: { ack: () => Promise<void>; type: string; body: Record<string, unknown> }) => {
          ack().catch(() => undefined);
          const kind = type === 'events_api' ? 'events' : type === 'interactive' ? 'interactions' : type === 'slash_commands' ? 'commands' : null;
          const id = kind === 'events' ? body.event_id : null;
          // Socket Mode redelivers unacknowledged envelopes: de-duplicated like callbacks.
          if (kind && (typeof id !== 'string' || events.first(`events:${id}`))) ingest(kind, body);
        });
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([socket.start(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no hello within 15 s')), START_TIMEOUT_MS); })]);
        } catch (err) {
          const code = platformError(err);
          throw new ChannelStartError('error', code && AUTH_ERRORS.has(code) ? 'invalid app token' : `socket mode failed: ${code ?? (err as Error).message}`);
        } finally { clearTimeout(timer); }
      }
      return { botName: String(bot.userId) };
    },
    async send(chatId, text, o = {}) {
      if (!web) throw new Error('slack client is not started');
      const parts = splitText(text, SLACK_MAX_CHARS);
      for (const [i, part] of parts.entries()) {
        const buttons = i === parts.length - 1 && o.buttons
          ? [{ type: 'section', text: { type: 'plain_text', text: part } }, { type: 'actions', elements: o.buttons.map((b) => ({ type: 'button', action_id: b.data.split(':')[0], value: b.data.slice(b.data.indexOf(':') + 1), text: { type: 'plain_text', text: b.text } })) }]
          : undefined;
        await call(() => web!.chat.postMessage({ channel: chatId, text: part, ...(o.threadId ? { thread_ts: o.threadId } : {}), ...(buttons ? { blocks: buttons } : {}) }));
      }
    },
    async stop() {
      stopper.abort();
      const sock = socket;
      socket = null;
      if (sock) await Promise.race([sock.disconnect().catch(() => undefined), sleep(2000)]);
      const d = dialer;
      dialer = null;
      if (d) await Promise.race([d.close().catch(() => undefined), sleep(2000)]);
    },
  };
  if (s.connection_mode === 'events_api') client.callback = callback;
  return client;
}

/** The Slack adapter factory. */
export function slackAdapter(): AdapterFactory {
  return (ctx) => createClient(ctx);
}
