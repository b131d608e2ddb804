/**
 * The channels capability assembled: accounts, the sender gate, turns and the owner's controls.
 * A message goes adapter → gate → (queue) → agent turn with the level's policy → reply.
 */
import { randomInt } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Lookup } from '../net/index.js';
import { channelTurnPolicy, lowerLevel, isChannelLevel } from '../policy/index.js';
import type { Store, ChannelSenderRow } from '../store/index.js';
import { accountKey, createAccounts, type Account, type AdapterFactory, type ChannelVault } from './accounts.js';
import { createGate, type GateAccount } from './gate.js';
import { createRateLimiter } from './limits.js';
import { createOtp } from './otp.js';
import { createSenders } from './senders.js';
import { createTurns, type AgentPort } from './turns.js';
import { createAccountOps } from './account-ops.js';
import type { AdapterSink, ButtonPress, CallbackRequest, CallbackResponse, InboundMessage } from './types.js';

/** Options of {@link createChannels}. Clock, randomness, DNS and the platform adapters are injected. */
export interface ChannelsDeps {
  config: Config;
  store: Store;
  vault: ChannelVault;
  agent: AgentPort;
  bus: EventBus;
  audit: (type: string, detail: string) => void;
  adapters: Partial<Record<'telegram' | 'slack', AdapterFactory>>;
  now?: () => number;
  randomInt?: (min: number, max: number) => number;
  lookup?: Lookup;
  log?: (line: string) => void;
}

/** Session of a chat: `<type>:<account>:<chat>[:<thread>]` (one per chat, forum topic or thread). */
export function sessionKeyFor(type: string, accountId: string, m: Pick<InboundMessage, 'chatId' | 'threadId'>): string {
  return `${type}:${accountId}:${m.chatId}${m.threadId ? `:${m.threadId}` : ''}`;
}

const QUEUE_FULL = 'Too many messages are waiting for an answer; please try again in a little while.';
const TURN_FAILED = 'Sorry, I could not answer that (the owner can see what went wrong).';

/** Creates the channels capability; `start()` brings the accounts up. */
export function createChannels(d: ChannelsDeps) {
  const now = d.now ?? Date.now;
  const log = d.log ?? (() => undefined);
  const cfg = d.config.channels;
  const publish = (event: string, payload: Record<string, unknown>) => d.bus.publish(event, payload);
  const otp = createOtp({ now, randomInt: d.randomInt ?? randomInt });
  const senders = createSenders({ repo: d.store.channels, now, publish, audit: d.audit, otp, maxPending: cfg.max_pending_senders });
  const gate = createGate({ senders, rate: createRateLimiter({ max: cfg.rate_limit_per_minute, windowMs: 60_000, now }), maxChars: cfg.max_message_chars });
  const turns = createTurns({ agent: d.agent, bus: d.bus, maxQueuedPerAccount: cfg.max_queued_turns, onError: (err) => log(`channel turn failed: ${(err as Error).message}`) });

  const reply = (a: Account, chatId: string, text: string, threadId?: string) => {
    const client = a.client;
    if (!client) return;
    client.send(chatId, text, threadId ? { threadId } : {}).catch((err: Error) => log(`channel ${a.type}/${a.accountId}: reply failed: ${err.message}`));
  };

  /** notify_owner: each approved admin-level direct chat of the account hears about a new sender. */
  function notifyOwners(a: Account, row: ChannelSenderRow): void {
    if (!a.settings.notify_owner || !a.client) return;
    const who = `${row.display_name}${row.username ? ` (@${row.username})` : ''}, id ${row.sender_id}`;
    const text = `New sender waiting for approval: ${who}\nFirst message: ${row.preview}`;
    for (const o of d.store.channels.senders({ type: a.type, accountId: a.accountId })) {
      if (o.kind !== 'user' || o.status !== 'approved' || !o.chat_id || !isOwner(a, o)) continue;
      a.client.send(o.chat_id, text, { buttons: [{ text: 'Approve', data: `approve:${row.sender_id}` }, { text: 'Deny', data: `deny:${row.sender_id}` }] })
        .catch((err: Error) => log(`channel ${a.type}/${a.accountId}: owner notice failed: ${err.message}`));
    }
  }
  const isOwner = (a: Account, r: ChannelSenderRow | undefined) =>
    !!r && r.kind === 'user' && r.status === 'approved' && lowerLevel(a.settings.permission, isChannelLevel(r.level) ? r.level : a.settings.permission) === 'admin';

  function onButton(a: Account, b: ButtonPress): void {
    // Only the owner's own id may decide; anyone else pressing a forwarded button is refused.
    if (!isOwner(a, senders.get(a.type, a.accountId, b.senderId))) { void b.answer('Only the owner can decide this.'); return; }
    try {
      if (b.action === 'approve') senders.approve(a.type, a.accountId, b.target, 'read-only', `${a.type}:${b.senderId}`);
      else senders.deny(a.type, a.accountId, b.target, `${a.type}:${b.senderId}`);
      void b.answer(b.action === 'approve' ? `Approved ${b.target} (read-only).` : `Denied ${b.target}.`);
    } catch (err) {
      void b.answer((err as Error).message.slice(0, 180));
    }
  }

  function onMessage(a: Account, m: InboundMessage): void {
    const ga: GateAccount = { type: a.type, accountId: a.accountId, settings: a.settings };
    const decision = gate.decide(ga, m);
    if (decision.kind === 'ignore') return;
    if (decision.kind === 'reply') {
      reply(a, m.chatId, decision.text, m.threadId);
      if (decision.notifyOwner) notifyOwners(a, decision.notifyOwner);
      return;
    }
    const sessionKey = sessionKeyFor(a.type, a.accountId, m);
    const policy = channelTurnPolicy(decision.level, { webFetch: a.settings.allow_web_fetch });
    // Message metadata only: the body never enters the audit log.
    d.audit('channel_message', `type=${a.type} account=${a.accountId} sender=${m.senderId} chat=${m.chatId} chars=${m.text.length} level=${policy.level}`);
    const queued = turns.enqueue(accountKey(a.type, a.accountId), sessionKey, async () => {
      void a.client?.typing?.(m.chatId, m.threadId);
      let r;
      try {
        r = await turns.run(sessionKey, m.text, { scopes: policy.scopes, origin: 'channel', tools: policy.tools, ...(policy.approval === 'always' ? { approval: 'always' as const } : {}) });
      } catch (err) {
        log(`channel ${a.type}/${a.accountId}: turn refused: ${(err as Error).message}`);
        reply(a, m.chatId, TURN_FAILED, m.threadId);
        return;
      }
      if (r.state === 'final') reply(a, m.chatId, r.text, m.threadId);
      else if (r.state === 'error') { log(`channel ${a.type}/${a.accountId}: turn failed: ${r.text}`); reply(a, m.chatId, TURN_FAILED, m.threadId); }
    });
    if (!queued) reply(a, m.chatId, QUEUE_FULL, m.threadId);
  }

  const accounts = createAccounts({
    config: d.config, repo: d.store.channels, vault: d.vault, adapters: d.adapters, publish, audit: d.audit, log, now,
    ...(d.lookup ? { lookup: d.lookup } : {}),
    sinkFor: (a): AdapterSink => {
      const client = () => a.client;
      return {
        message: (m) => { try { onMessage(a, m); } catch (err) { log(`channel ${a.type}/${a.accountId}: message failed: ${(err as Error).message}`); } },
        button: (b) => { try { onButton(a, b); } catch (err) { log(`channel ${a.type}/${a.accountId}: button failed: ${(err as Error).message}`); } },
        fatal: (err) => { const c = client(); if (c) void accounts.fatal(a, c, err); },
        log,
      };
    },
  });

  // Accounts waiting for the vault start when it is unsealed (login, unlock, recovery, auto-unseal).
  const stopVault = d.bus.subscribe(({ event, payload }) => {
    if (event === 'vault.status' && (payload as { status?: unknown }).status === 'unsealed') {
      accounts.startWaiting().catch((err: Error) => log(`channels: start after unseal failed: ${err.message}`));
    }
  });

  const ops = createAccountOps({ accounts, senders, vault: d.vault, repo: d.store.channels, audit: d.audit, agent: d.agent, now, allowPrivate: cfg.allow_private_api_urls });
  return {
    ...ops,
    /**
     * A platform callback (Slack Events API, Telegram webhook): unknown account → 404; an account that does not
     * receive this way, or is not running (its signing secret is not loaded), refuses; otherwise
     * the adapter verifies the signature and takes the payload.
     */
    callback(type: 'slack' | 'telegram', accountId: string, req: CallbackRequest): CallbackResponse {
      const a = accounts.get(type, accountId);
      const client = a?.client;
      const mode = type === 'slack' ? 'events_api' : 'webhook';
      if (!a || !a.settings.enabled || (a.settings as { connection_mode?: string }).connection_mode !== mode) return { status: 404, body: { ok: false, error: `unknown ${type === 'slack' ? 'Slack' : 'Telegram'} account` } };
      // Fail closed: without a running client there is no secret to check the signature with.
      if (!client?.callback || a.state !== 'running') return { status: 503, body: { ok: false, error: 'account not running' }, headers: { 'retry-after': '30' } };
      return client.callback(req);
    },
    /** Starts every enabled account (those needing the vault wait for it). Never throws. */
    start: () => accounts.startAll().catch((err: Error) => log(`channels: start failed: ${err.message}`)),
    async close(): Promise<void> {
      stopVault();
      await turns.close();
      await accounts.close();
    },
  };
}
export type Channels = ReturnType<typeof createChannels>;
