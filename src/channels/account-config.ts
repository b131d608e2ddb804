/**
 * Account settings as `channels.add` / `channels.update` receive them: the same schemas as
 * moltis.toml for the non-secret part, plus the secret fields as literal values that are moved
 * into the vault and never stored or returned anywhere else.
 */
import { z } from 'zod';
import {
  ACCOUNT_ID, ACCOUNT_ID_HELP, CHANNEL_SECRET_FIELDS, apiSchemeProblem, slackSettingsSchema, telegramSettingsSchema,
  type ChannelType,
} from '../config/index.js';
import { ChannelError, type AccountSettings } from './types.js';

export const SETTINGS_SCHEMAS: Record<ChannelType, z.ZodType<AccountSettings>> = {
  telegram: telegramSettingsSchema as z.ZodType<AccountSettings>,
  slack: slackSettingsSchema as z.ZodType<AccountSettings>,
};

/** Vault kind of channel secrets; entry names follow the original's `<type>:<account>:<field>`. */
export const SECRET_KIND = 'channel';
export const defaultSecretName = (type: ChannelType, accountId: string, field: string) => `${type}:${accountId}:${field}`;

/** Secrets an account needs to start, by type and connection mode. */
export function requiredSecrets(type: ChannelType, s: AccountSettings): string[] {
  if (type === 'telegram') return ['token'];
  return (s as { connection_mode?: string }).connection_mode === 'events_api' ? ['bot_token', 'signing_secret'] : ['bot_token', 'app_token'];
}

const SECRET_VALUE = z.string().trim().min(1, 'empty').max(4096);

/** Splits and validates an RPC `config`: settings (merged over `base` for updates) and secrets. */
export function parseAccountConfig(type: ChannelType, raw: unknown, o: { base?: Record<string, unknown>; allowPrivate: boolean }): { settings: AccountSettings; secrets: Record<string, string> } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ChannelError('INVALID_REQUEST', 'config must be an object of account settings');
  const secretFields = CHANNEL_SECRET_FIELDS[type];
  const secrets: Record<string, string> = {};
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!secretFields.includes(k)) { plain[k] = v; continue; }
    const r = SECRET_VALUE.safeParse(v);
    // Never echo a secret back, even in an error.
    if (!r.success) throw new ChannelError('INVALID_REQUEST', `invalid config.${k}: expected a non-empty string of at most 4096 characters`);
    secrets[k] = r.data;
  }
  const parsed = SETTINGS_SCHEMAS[type].safeParse({ ...(o.base ?? {}), ...plain });
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ChannelError('INVALID_REQUEST', `invalid config${i && i.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message ?? 'bad value'}`);
  }
  const scheme = apiSchemeProblem(parsed.data.api_base_url, o.allowPrivate);
  if (scheme) throw new ChannelError('INVALID_REQUEST', `invalid config.api_base_url: ${scheme}`);
  const hook = webhookProblem(type, parsed.data);
  if (hook) throw new ChannelError('INVALID_REQUEST', `invalid config: ${hook}`);
  return { settings: parsed.data, secrets };
}

/** Webhook mode needs the public URL Telegram should call. */
export function webhookProblem(type: ChannelType, s: AccountSettings): string | null {
  const t = s as { connection_mode?: string; webhook_url?: string };
  return type === 'telegram' && t.connection_mode === 'webhook' && !t.webhook_url ? 'connection_mode "webhook" needs webhook_url (https://<public host>/api/channels/telegram/<account>/webhook)' : null;
}

/** Telegram webhook mode: a secret we generate (Telegram echoes it in a header), kept in the vault. */
export const WEBHOOK_SECRET_FIELD = 'webhook_secret';

/** A stored settings row as an object; a corrupt row reads as `{}` (then fails validation, never the gateway). */
export function storedSettings(text: string | undefined): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text ?? '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {};
  } catch { return {}; }
}

/** Checks an account id (it appears in session keys and URL paths). */
export function checkAccountId(id: string): string {
  if (!ACCOUNT_ID.test(id)) throw new ChannelError('INVALID_REQUEST', `invalid accountId: ${ACCOUNT_ID_HELP}`);
  return id;
}
