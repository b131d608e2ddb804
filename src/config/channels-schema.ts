/**
 * `[channels]` of moltis.toml: global channel limits and the accounts
 * `[channels.telegram.<account_id>]` / `[channels.slack.<account_id>]`, in the original's key
 * names. The same account schemas validate `channels.add` / `channels.update` at runtime.
 *
 * Secrets (`token`; `bot_token`, `app_token`, `signing_secret`) never sit in this file
 * (invariant 3): a key may only name a vault entry (`"vault:<name>"`); a literal value is an error
 * that says how to store it.
 */
import { z } from 'zod';
import { CHANNEL_LEVELS } from '../policy/index.js';

/** Channel types this gateway speaks. */
export const CHANNEL_TYPES = ['telegram', 'slack'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Account ids appear in session keys (`telegram:<account>:<chat>`) and URL paths: no separators. */
export const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const ACCOUNT_ID_HELP = 'account ids are 1-64 letters, digits, _ and -';

/** Secret fields per type: moved into the vault on the way in, never returned, never in moltis.toml. */
export const CHANNEL_SECRET_FIELDS: Readonly<Record<ChannelType, readonly string[]>> = Object.freeze({
  telegram: Object.freeze(['token']),
  slack: Object.freeze(['bot_token', 'app_token', 'signing_secret']),
});

/** The platforms' own API roots (a self-hosted Bot API server or a test double replaces them). */
export const DEFAULT_API_BASE_URL: Readonly<Record<ChannelType, string>> = Object.freeze({
  telegram: 'https://api.telegram.org',
  slack: 'https://slack.com/api',
});

// Comments record decisions; the user-facing text is in CHANNELS_DESCRIPTIONS.
export const CHANNELS_DEFAULTS = {
  // A loopback or private api_base_url is an explicit choice (self-hosted Bot API, test doubles).
  allow_private_api_urls: false,
  rate_limit_per_minute: 20, // per sender; one polite notice per window, then silence
  max_message_chars: 4000, // longer inbound messages are refused, not truncated silently
  max_pending_senders: 100, // per account; the oldest pending sender is dropped beyond it
  max_queued_turns: 16, // per account: inbound messages waiting for the agent
  telegram: {} as Record<string, TelegramAccountConfig>,
  slack: {} as Record<string, SlackAccountConfig>,
};

/** Why a secret field's value may not stand in moltis.toml (null when it is a vault reference). */
export function secretRefProblem(type: ChannelType, field: string, value: string): string | null {
  if (/^vault:[A-Za-z0-9:_.-]{1,200}$/.test(value)) return null;
  return `a literal ${field} does not belong in moltis.toml (it would sit there in plaintext): remove it and store it in the vault ` +
    `with Settings > Channels or the RPC channels.update {type: "${type}", accountId, config: {${field}: "…"}} ` +
    `(an admin key, e.g. via moltis' /api/rpc), or name an existing vault entry as "vault:<name>"`;
}

/** Checks an api_base_url's form: http(s), no credentials, query or fragment. Trailing "/" is dropped. */
export function apiBaseUrlProblem(value: string): string | null {
  let u: URL;
  try { u = new URL(value); } catch { return 'expected a URL like "https://api.telegram.org"'; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'expected an https:// URL';
  // A token in the URL would sit in plaintext in moltis.toml and in logs.
  if (u.username || u.password) return 'credentials do not belong in the URL';
  if (u.search || u.hash) return 'no query or fragment, just the API root';
  return null;
}

/** The https rule: plain http only toward a private server the owner allowed explicitly. */
export function apiSchemeProblem(value: string, allowPrivate: boolean): string | null {
  if (value.startsWith('https:') || allowPrivate) return null;
  return 'must be https:// (plain http is accepted only for a private or loopback server with [channels] allow_private_api_urls = true)';
}

const apiBaseUrl = z.string().superRefine((v, ctx) => {
  const p = apiBaseUrlProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p, input: v });
}).transform((v) => v.replace(/\/+$/, ''));

const common = {
  enabled: z.boolean().prefault(true),
  permission: z.enum(CHANNEL_LEVELS).prefault('read-only'),
  dm_policy: z.enum(['allowlist', 'disabled', 'open'], { message: 'expected "allowlist" (unknown senders wait for approval) or "disabled"' })
    .superRefine((v, ctx) => {
      // The brief: nobody reaches the agent through a channel before the owner approves them.
      if (v === 'open') ctx.addIssue({ code: 'custom', input: v, message: '"open" is not offered: every sender waits for the owner\'s approval (use "allowlist")' });
    }).transform((v) => v as 'allowlist' | 'disabled').prefault('allowlist'),
  mention_mode: z.enum(['mention', 'always', 'none']).prefault('mention'),
  allow_web_fetch: z.boolean().prefault(false),
  notify_owner: z.boolean().prefault(false),
  otp_self_approval: z.boolean().prefault(false),
  otp_cooldown_secs: z.int().min(1).max(86_400).prefault(300),
};

/** Non-secret settings of a Telegram account (the same for moltis.toml and channels.add). */
export const telegramSettingsSchema = z.strictObject({
  ...common,
  api_base_url: apiBaseUrl.prefault(DEFAULT_API_BASE_URL.telegram),
  connection_mode: z.enum(['polling', 'webhook']).prefault('polling'),
  poll_timeout_secs: z.int().min(1).max(50).prefault(30),
  // Webhook mode: the public https URL Telegram calls, ending in /api/channels/telegram/<account>/webhook.
  webhook_url: z.string().url().startsWith('https://', 'webhook_url must be https:// (Telegram only calls https)').optional(),
});
/** Non-secret settings of a Slack account. */
export const slackSettingsSchema = z.strictObject({
  ...common,
  api_base_url: apiBaseUrl.prefault(DEFAULT_API_BASE_URL.slack),
  connection_mode: z.enum(['socket_mode', 'events_api']).prefault('socket_mode'),
  thread_replies: z.boolean().prefault(true),
});
export type TelegramSettings = z.output<typeof telegramSettingsSchema>;
export type SlackSettings = z.output<typeof slackSettingsSchema>;

const vaultRef = (type: ChannelType, field: string) => z.string().superRefine((v, ctx) => {
  const p = secretRefProblem(type, field, v);
  if (p) ctx.addIssue({ code: 'custom', message: p, input: '[redacted]', params: { secret: true } });
}).optional();

const telegramAccountSchema = telegramSettingsSchema.extend({ token: vaultRef('telegram', 'token') });
const slackAccountSchema = slackSettingsSchema.extend({
  bot_token: vaultRef('slack', 'bot_token'), app_token: vaultRef('slack', 'app_token'), signing_secret: vaultRef('slack', 'signing_secret'),
});
export type TelegramAccountConfig = z.output<typeof telegramAccountSchema>;
export type SlackAccountConfig = z.output<typeof slackAccountSchema>;

const accounts = <T extends z.ZodType>(s: T) => z.record(z.string().regex(ACCOUNT_ID, ACCOUNT_ID_HELP), s).prefault(() => ({}));

const D = CHANNELS_DEFAULTS;
/** `[channels]`. */
export const channelsSchema = z.strictObject({
  allow_private_api_urls: z.boolean().prefault(D.allow_private_api_urls),
  rate_limit_per_minute: z.int().min(1).max(10_000).prefault(D.rate_limit_per_minute),
  max_message_chars: z.int().min(1).max(100_000).prefault(D.max_message_chars),
  max_pending_senders: z.int().min(1).max(100_000).prefault(D.max_pending_senders),
  max_queued_turns: z.int().min(1).max(10_000).prefault(D.max_queued_turns),
  telegram: accounts(telegramAccountSchema),
  slack: accounts(slackAccountSchema),
}).superRefine((c, ctx) => {
  for (const type of CHANNEL_TYPES) {
    for (const [id, a] of Object.entries(c[type])) {
      const p = apiSchemeProblem(a.api_base_url, c.allow_private_api_urls);
      if (p) ctx.addIssue({ code: 'custom', path: [type, id, 'api_base_url'], input: a.api_base_url, message: p });
    }
  }
});

/** One-line descriptions of `[channels]` keys for the example file. */
export const CHANNELS_DESCRIPTIONS = {
  $: 'Chat channels (Telegram, Slack): every sender waits for your approval; accounts are tables below or added in Settings > Channels.',
  allow_private_api_urls: 'Allow an api_base_url on a private or loopback address (a self-hosted Bot API server); otherwise it is checked like web_fetch targets.',
  rate_limit_per_minute: 'Messages one sender may send per minute; beyond it they get one notice and are ignored until the minute ends.',
  max_message_chars: 'Longest inbound message accepted (longer ones are refused with a notice).',
  max_pending_senders: 'Most senders waiting for approval per account; the oldest is dropped beyond it.',
  max_queued_turns: 'Most inbound messages waiting for the agent per account; more are refused with a notice.',
} as const;

// Account tables have user-chosen names, so they are shown as commented examples, not defaults.
export const CHANNELS_EXAMPLE: readonly string[] = [
  '',
  '# Channel accounts. Tokens are never written here: add the account in Settings > Channels (or RPC',
  '# channels.add), which stores them in the vault; a key here may only name a vault entry ("vault:<name>").',
  '# Levels: "read-only" (answers only), "execute" (commands, each approved by you), "admin" (your own id).',
  '#   [channels.telegram.my_bot]',
  '#   permission = "read-only"',
  '#   dm_policy = "allowlist"        # or "disabled"',
  '#   mention_mode = "mention"       # in groups: "mention" | "always" | "none"',
  '#   allow_web_fetch = false',
  '#   notify_owner = false           # message your own approved admin chat about new senders',
  '#   otp_self_approval = false      # senders may type a 6-digit code that only admins see',
  '#   api_base_url = "https://api.telegram.org"',
  '#   connection_mode = "polling"    # or "webhook" with webhook_url = "https://<public host>/api/channels/telegram/my_bot/webhook"',
  '#   [channels.slack.work]',
  '#   connection_mode = "socket_mode" # or "events_api" (POST /api/channels/slack/work/events)',
  '#   thread_replies = true',
];
