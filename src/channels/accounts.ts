/**
 * Channel accounts: those of moltis.toml and those added at runtime, their secrets (vault only),
 * and their life cycle. Nothing here may crash the gateway: every failure becomes the account's
 * status (`error: …`, `disabled: …`, `waiting_for_vault`).
 */
import type { Config } from '../config/index.js';
import { CHANNEL_SECRET_FIELDS, CHANNEL_TYPES } from '../config/index.js';
import type { Lookup } from '../net/index.js';
import type { ChannelsRepo } from '../store/index.js';
import { randomBytes } from 'node:crypto';
import { SECRET_KIND, SETTINGS_SCHEMAS, WEBHOOK_SECRET_FIELD, defaultSecretName, requiredSecrets, storedSettings, webhookProblem } from './account-config.js';
import { pinApiUrl, type PinnedApi } from './api-url.js';
import { ChannelStartError, type AccountSettings, type AdapterSink, type ChannelType, type PlatformClient } from './types.js';

/** What an adapter gets to build one account's client. */
export interface AdapterContext {
  accountId: string;
  settings: AccountSettings;
  secrets: Record<string, string>;
  api: PinnedApi;
  sink: AdapterSink;
  now: () => number;
}
export type AdapterFactory = (ctx: AdapterContext) => PlatformClient;

/** The slice of the vault accounts need. */
export interface ChannelVault {
  status(): string;
  secrets: {
    get(kind: string, name: string): string | null;
    put(kind: string, name: string, value: string): unknown;
    list(kind: string): Array<{ id: number; name: string }>;
    delete(kind: string, id: number): boolean;
  };
}

export type AccountState = 'stopped' | 'starting' | 'running' | 'waiting_for_vault' | 'error' | 'disabled';

/** One account at run time. */
export interface Account {
  type: ChannelType;
  accountId: string;
  source: 'config' | 'runtime';
  settings: AccountSettings;
  /** Vault entry name per secret field. */
  secretNames: Record<string, string>;
  state: AccountState;
  detail: string | null;
  botName: string | null;
  client: PlatformClient | null;
  api: PinnedApi | null;
  since: number;
  /** Bumped on every start/stop so late results of an older start are dropped. */
  gen: number;
}

/** The status string the owner reads: `running`, `waiting_for_vault`, `error: invalid token`, … */
export const stateText = (a: Pick<Account, 'state' | 'detail'>): string =>
  (a.state === 'error' || a.state === 'disabled') && a.detail ? `${a.state}: ${a.detail}` : a.state;

export const accountKey = (type: string, accountId: string) => `${type}:${accountId}`;

/** Options of {@link createAccounts}. */
export interface AccountsDeps {
  config: Config;
  repo: ChannelsRepo;
  vault: ChannelVault;
  adapters: Partial<Record<ChannelType, AdapterFactory>>;
  sinkFor: (a: Account) => AdapterSink;
  publish: (event: string, payload: Record<string, unknown>) => void;
  audit: (type: string, detail: string) => void;
  log: (line: string) => void;
  now: () => number;
  lookup?: Lookup;
}

/** Creates the registry and loads every configured and stored account (none started yet). */
export function createAccounts(d: AccountsDeps) {
  const accounts = new Map<string, Account>();
  const cfg = d.config.channels;

  const entry = (type: ChannelType, accountId: string, source: Account['source'], settings: AccountSettings, secretNames: Record<string, string>): Account =>
    ({ type, accountId, source, settings, secretNames, state: 'stopped', detail: null, botName: null, client: null, api: null, since: d.now(), gen: 0 });
  const namesFor = (type: ChannelType, accountId: string, refs: Record<string, unknown> = {}) => {
    const out: Record<string, string> = {};
    for (const f of CHANNEL_SECRET_FIELDS[type]) {
      const ref = refs[f];
      out[f] = typeof ref === 'string' && ref.startsWith('vault:') ? ref.slice(6) : defaultSecretName(type, accountId, f);
    }
    if (type === 'telegram') out[WEBHOOK_SECRET_FIELD] = defaultSecretName(type, accountId, WEBHOOK_SECRET_FIELD);
    return out;
  };

  for (const type of CHANNEL_TYPES) {
    for (const [id, a] of Object.entries(cfg[type])) {
      const settings: Record<string, unknown> = { ...a };
      for (const f of CHANNEL_SECRET_FIELDS[type]) delete settings[f];
      accounts.set(accountKey(type, id), entry(type, id, 'config', settings as unknown as AccountSettings, namesFor(type, id, a as Record<string, unknown>)));
    }
  }
  for (const row of d.repo.accounts()) {
    const type = row.type as ChannelType;
    // moltis.toml wins over a stored account of the same name.
    if (accounts.has(accountKey(type, row.account_id)) || !SETTINGS_SCHEMAS[type]) continue;
    const e = entry(type, row.account_id, 'runtime', {} as AccountSettings, namesFor(type, row.account_id));
    const parsed = SETTINGS_SCHEMAS[type].safeParse(storedSettings(row.config));
    if (parsed.success) e.settings = parsed.data;
    else { e.state = 'error'; e.detail = 'stored settings are invalid: update or remove the account'; }
    accounts.set(accountKey(type, row.account_id), e);
  }

  function setState(a: Account, state: AccountState, detail: string | null = null): void {
    if (a.state === state && a.detail === detail) return;
    a.state = state; a.detail = detail; a.since = d.now();
    d.publish('channel.account.status', { type: a.type, accountId: a.accountId, state: stateText(a) });
    if (state === 'error' || state === 'disabled') d.audit('channel_account_status', `type=${a.type} account=${a.accountId} state=${JSON.stringify(stateText(a))}`);
    if (state === 'error' || state === 'disabled') d.log(`channel ${a.type}/${a.accountId}: ${stateText(a)}`);
  }

  async function release(a: Account): Promise<void> {
    const client = a.client;
    const api = a.api;
    a.client = null; a.api = null;
    try { await client?.stop(); } catch (err) { d.log(`channel ${a.type}/${a.accountId}: stop failed: ${(err as Error).message}`); }
    api?.close();
  }

  async function start(a: Account): Promise<void> {
    const gen = ++a.gen;
    await release(a);
    if (gen !== a.gen) return;
    if (a.state === 'error' && a.detail?.startsWith('stored settings')) return;
    if (!a.settings.enabled) return setState(a, 'stopped', null);
    const adapter = d.adapters[a.type];
    if (!adapter) return setState(a, 'error', `${a.type} is not available in this build`);
    // While sealed the tokens cannot be read: the account waits and starts on unseal.
    if (d.vault.status() !== 'unsealed') return setState(a, 'waiting_for_vault');
    const secrets: Record<string, string> = {};
    for (const f of requiredSecrets(a.type, a.settings)) {
      const v = d.vault.secrets.get(SECRET_KIND, a.secretNames[f]!);
      if (!v) return setState(a, 'error', `no ${f} in the vault: set it with channels.update (Settings > Channels)`);
      secrets[f] = v;
    }
    const hook = webhookProblem(a.type, a.settings);
    if (hook) return setState(a, 'error', hook);
    if (a.type === 'telegram' && (a.settings as { connection_mode?: string }).connection_mode === 'webhook') {
      // Telegram echoes this secret in X-Telegram-Bot-Api-Secret-Token; generated once, kept in the vault.
      const name = a.secretNames[WEBHOOK_SECRET_FIELD]!;
      let v = d.vault.secrets.get(SECRET_KIND, name);
      if (!v) { v = randomBytes(32).toString('base64url'); d.vault.secrets.put(SECRET_KIND, name, v); }
      secrets[WEBHOOK_SECRET_FIELD] = v;
    }
    setState(a, 'starting');
    try {
      const api = await pinApiUrl(a.settings.api_base_url, { allowPrivate: cfg.allow_private_api_urls, allowlist: d.config.tools.web.fetch.ssrf_allowlist, ...(d.lookup ? { lookup: d.lookup } : {}) });
      if (gen !== a.gen) { api.close(); return; }
      a.api = api;
      a.client = adapter({ accountId: a.accountId, settings: a.settings, secrets, api, sink: d.sinkFor(a), now: d.now });
      const { botName } = await a.client.start();
      if (gen !== a.gen) return;
      a.botName = botName;
      setState(a, 'running');
    } catch (err) {
      if (gen !== a.gen) return;
      await release(a);
      if (err instanceof ChannelStartError) setState(a, err.state, err.message);
      else setState(a, 'error', (err as Error).message || 'failed to start');
    }
  }

  async function stop(a: Account, state: AccountState = 'stopped', detail: string | null = null): Promise<void> {
    a.gen++;
    await release(a);
    setState(a, state, detail);
  }

  return {
    get: (type: string, accountId: string) => accounts.get(accountKey(type, accountId)),
    all: () => [...accounts.values()],
    add: (a: Account) => void accounts.set(accountKey(a.type, a.accountId), a),
    delete: (a: Account) => void accounts.delete(accountKey(a.type, a.accountId)),
    entry, namesFor, start, stop,
    /** The platform connection died for good: stop with that status (only the current client counts). */
    async fatal(a: Account, client: PlatformClient, err: ChannelStartError): Promise<void> {
      if (a.client !== client) return;
      await stop(a, err.state, err.message);
    },
    /** Starts every account that waits for the vault (called on unseal). */
    async startWaiting(): Promise<void> {
      await Promise.all(this.all().filter((a) => a.state === 'waiting_for_vault').map((a) => start(a)));
    },
    async startAll(): Promise<void> { await Promise.all(this.all().map((a) => start(a))); },
    async close(): Promise<void> { await Promise.all(this.all().map(async (a) => { a.gen++; await release(a); })); },
  };
}
export type Accounts = ReturnType<typeof createAccounts>;
