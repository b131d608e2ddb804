/**
 * The owner's controls (behind admin/read RPC): add, update and remove accounts, their status,
 * and the sender decisions. Secrets go into the vault and are never returned.
 */
import { CHANNEL_SECRET_FIELDS, CHANNEL_TYPES, type ChannelType } from '../config/index.js';
import { CHANNEL_LEVELS, type ChannelLevel } from '../policy/index.js';
import type { ChannelsRepo } from '../store/index.js';
import { SECRET_KIND, checkAccountId, parseAccountConfig, requiredSecrets, storedSettings } from './account-config.js';
import { stateText, type Account, type Accounts, type ChannelVault } from './accounts.js';
import type { Senders } from './senders.js';
import type { AgentPort } from './turns.js';
import { ChannelError, type SenderView } from './types.js';

/** How long add/update wait for the account's first start result (the UI's "test connection"). */
const START_WAIT_MS = 10_000;

/** An account as `channels.list` shows it: settings and which secrets are set, never their values. */
export interface AccountView {
  type: ChannelType; accountId: string; source: 'config' | 'runtime'; config: Record<string, unknown>;
  secrets: Record<string, boolean>; state: string; botName: string | null; since: number;
}

export function createAccountOps(d: {
  accounts: Accounts; senders: Senders; vault: ChannelVault; repo: ChannelsRepo; agent: AgentPort;
  audit: (type: string, detail: string) => void; now: () => number; allowPrivate: boolean;
}) {
  const stored = () => new Set(d.vault.secrets.list(SECRET_KIND).map((s) => s.name));
  const view = (a: Account, names = stored()): AccountView => ({
    type: a.type, accountId: a.accountId, source: a.source, config: { ...a.settings },
    secrets: Object.fromEntries(CHANNEL_SECRET_FIELDS[a.type].map((f) => [f, names.has(a.secretNames[f]!)])),
    state: stateText(a), botName: a.botName, since: a.since,
  });
  const must = (type: string, accountId: string): Account => {
    const a = d.accounts.get(type, accountId);
    if (!a) throw new ChannelError('NOT_FOUND', `no ${type} account ${accountId} (channels.list shows the accounts)`);
    return a;
  };
  const putSecrets = (a: Account, secrets: Record<string, string>) => {
    if (Object.keys(secrets).length === 0) return;
    // Fail closed: a token is never kept anywhere but the vault, so a sealed vault refuses it.
    if (d.vault.status() !== 'unsealed') throw new ChannelError('VAULT_SEALED', 'the vault is sealed: log in or unlock it before storing channel secrets');
    for (const [f, v] of Object.entries(secrets)) d.vault.secrets.put(SECRET_KIND, a.secretNames[f]!, v);
  };
  const startAndWait = async (a: Account) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([d.accounts.start(a), new Promise((r) => { timer = setTimeout(r, START_WAIT_MS); })]);
    clearTimeout(timer);
  };
  /** Ends running turns of a sender's direct chat (their approval just went away). */
  const stopChat = (type: string, accountId: string, senderId: string) => {
    const r = d.senders.get(type, accountId, senderId);
    if (r?.chat_id) d.agent.abort({ sessionKey: `${type}:${accountId}:${r.chat_id}` });
  };

  return {
    list: (): { accounts: AccountView[] } => { const names = stored(); return { accounts: d.accounts.all().map((a) => view(a, names)) }; },
    status: () => ({ accounts: d.accounts.all().map((a) => ({ type: a.type, accountId: a.accountId, state: stateText(a), botName: a.botName, since: a.since })) }),

    async add(type: ChannelType, accountId: string, raw: unknown, by: string): Promise<AccountView> {
      checkAccountId(accountId);
      if (d.accounts.get(type, accountId)) throw new ChannelError('CONFLICT', `${type} account ${accountId} already exists: use channels.update`);
      const { settings, secrets } = parseAccountConfig(type, raw, { allowPrivate: d.allowPrivate });
      for (const f of requiredSecrets(type, settings)) if (!secrets[f]) throw new ChannelError('INVALID_REQUEST', `config.${f} is required for a ${type} account`);
      const a = d.accounts.entry(type, accountId, 'runtime', settings, d.accounts.namesFor(type, accountId));
      putSecrets(a, secrets);
      d.repo.insertAccount(type, accountId, JSON.stringify(settings), d.now());
      d.accounts.add(a);
      d.audit('channel_account_added', `type=${type} account=${accountId} permission=${settings.permission} secrets=${Object.keys(secrets).join(',')} by=${by}`);
      await startAndWait(a);
      return view(a);
    },

    async update(type: ChannelType, accountId: string, raw: unknown, by: string): Promise<AccountView> {
      const a = must(type, accountId);
      const base = a.source === 'runtime' ? storedSettings(d.repo.account(type, accountId)?.config) : { ...a.settings };
      const { settings, secrets } = parseAccountConfig(type, raw, { base, allowPrivate: d.allowPrivate });
      const changed = Object.keys(raw as object).filter((k) => !CHANNEL_SECRET_FIELDS[type].includes(k));
      if (a.source === 'config' && changed.length > 0) throw new ChannelError('CONFLICT', `${type} account ${accountId} is defined in moltis.toml: change ${changed.join(', ')} there (only its secrets can be set here)`);
      putSecrets(a, secrets);
      if (a.source === 'runtime') d.repo.updateAccount(type, accountId, JSON.stringify(settings), d.now());
      a.settings = settings;
      a.state = 'stopped'; a.detail = null; // settings are valid again, whatever the stored row was
      d.audit('channel_account_updated', `type=${type} account=${accountId} keys=${[...changed, ...Object.keys(secrets)].join(',')} by=${by}`);
      await startAndWait(a);
      return view(a);
    },

    async remove(type: ChannelType, accountId: string, by: string): Promise<{ ok: true }> {
      const a = must(type, accountId);
      if (a.source === 'config') throw new ChannelError('CONFLICT', `${type} account ${accountId} is defined in moltis.toml: remove it there`);
      await d.accounts.stop(a);
      d.repo.deleteAccount(type, accountId);
      const names = new Set(Object.values(a.secretNames));
      for (const s of d.vault.secrets.list(SECRET_KIND)) if (names.has(s.name)) d.vault.secrets.delete(SECRET_KIND, s.id);
      d.accounts.delete(a);
      d.audit('channel_account_removed', `type=${type} account=${accountId} by=${by}`);
      return { ok: true };
    },

    senders: {
      list: (f: { type?: ChannelType; accountId?: string }, admin: boolean): { senders: SenderView[] } => ({ senders: d.senders.list(f, admin) }),
      approve(type: ChannelType, accountId: string, senderId: string, level: ChannelLevel | undefined, by: string): SenderView {
        const a = must(type, accountId);
        const lv = level ?? a.settings.permission;
        // A sender's level only lowers the account's: raising it is the account's own setting.
        if (CHANNEL_LEVELS.indexOf(lv) > CHANNEL_LEVELS.indexOf(a.settings.permission)) {
          throw new ChannelError('INVALID_REQUEST', `level ${lv} is above the account's permission (${a.settings.permission}): raise the account's permission first`);
        }
        return d.senders.approve(type, accountId, senderId, lv, by);
      },
      deny(type: ChannelType, accountId: string, senderId: string, by: string): SenderView {
        must(type, accountId);
        const v = d.senders.deny(type, accountId, senderId, by);
        stopChat(type, accountId, senderId);
        return v;
      },
      revoke(type: ChannelType, accountId: string, senderId: string, by: string): SenderView {
        must(type, accountId);
        const v = d.senders.revoke(type, accountId, senderId, by);
        stopChat(type, accountId, senderId);
        return v;
      },
    },
    types: CHANNEL_TYPES,
  };
}
export type AccountOps = ReturnType<typeof createAccountOps>;
