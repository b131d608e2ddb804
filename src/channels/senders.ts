/**
 * The sender registry (the brief's Sender Allowlisting): pending, approved and denied senders
 * and group chats per account, keyed on the platform's immutable id. Every decision is audited
 * and published (invariant 9); the pending queue is bounded per account.
 */
import type { ChannelSenderRow, ChannelsRepo } from '../store/index.js';
import { isChannelLevel, type ChannelLevel } from '../policy/index.js';
import type { Otp } from './otp.js';
import { ChannelError, type ChannelType, type SenderView } from './types.js';

/** Longest first-message preview kept for the owner (a preview, never a message log). */
export const PREVIEW_CHARS = 200;

const otpKey = (type: string, accountId: string, senderId: string) => `${type}\u0000${accountId}\u0000${senderId}`;

/** Options of {@link createSenders}. */
export interface SendersDeps {
  repo: ChannelsRepo;
  now: () => number;
  publish: (event: string, payload: Record<string, unknown>) => void;
  audit: (type: string, detail: string) => void;
  otp: Otp;
  maxPending: number;
}

/** A new sender (or group) to queue. */
export interface NewPending {
  type: ChannelType; accountId: string; senderId: string; kind: 'user' | 'group';
  username: string | null; displayName: string; chatId: string | null; chatType: string | null; preview: string;
}

/** Creates the registry over the channels repo. */
export function createSenders(d: SendersDeps) {
  const meta = (r: { type: string; account_id: string; sender_id: string; kind: string; username: string | null }) =>
    `type=${r.type} account=${r.account_id} sender=${r.sender_id} kind=${r.kind}${r.username ? ` username=${JSON.stringify(r.username)}` : ''}`;
  const ids = (r: ChannelSenderRow) => ({ type: r.type, accountId: r.account_id, senderId: r.sender_id, kind: r.kind, username: r.username, displayName: r.display_name });

  const view = (r: ChannelSenderRow, withOtp: boolean): SenderView => {
    const otp = withOtp && r.status === 'pending' ? d.otp.peek(otpKey(r.type, r.account_id, r.sender_id)) : null;
    return {
      type: r.type as ChannelType, accountId: r.account_id, senderId: r.sender_id, kind: r.kind,
      username: r.username, displayName: r.display_name, status: r.status,
      level: isChannelLevel(r.level) ? r.level : null, messageCount: r.message_count,
      firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, preview: r.preview,
      ...(otp ? { otp } : {}),
    };
  };

  const must = (type: string, accountId: string, senderId: string): ChannelSenderRow => {
    const r = d.repo.sender(type, accountId, senderId);
    if (!r) throw new ChannelError('NOT_FOUND', `no sender ${senderId} on ${type} account ${accountId} (channels.senders.list shows who has written)`);
    return r;
  };

  return {
    otpKey,
    get: (type: string, accountId: string, senderId: string) => d.repo.sender(type, accountId, senderId),
    /** Senders for the owner's review; OTP codes only when `admin`. */
    list(f: { type?: string; accountId?: string }, admin: boolean): SenderView[] {
      return d.repo.senders(f).map((r) => view(r, admin));
    },
    /** Counts a message from a known sender and refreshes their names. */
    seen(type: string, accountId: string, senderId: string, names: { username: string | null; displayName: string | null; chatId: string | null }): void {
      d.repo.seen({ type, account_id: accountId, sender_id: senderId, username: names.username, display_name: names.displayName, chat_id: names.chatId, now: d.now() });
    },
    /** Queues a new sender; drops the oldest pending beyond the cap (with an event). */
    addPending(p: NewPending): ChannelSenderRow {
      const now = d.now();
      const over = d.repo.pendingCount(p.type, p.accountId) + 1 - d.maxPending;
      if (over > 0) {
        for (const old of d.repo.oldestPending(p.type, p.accountId, over)) {
          d.repo.deleteSender(old.type, old.account_id, old.sender_id);
          d.otp.forget(otpKey(old.type, old.account_id, old.sender_id));
          d.audit('channel_sender_dropped', `${meta(old)} reason=queue_full`);
          d.publish('channel.sender.dropped', { ...ids(old), reason: 'the pending queue is full' });
        }
      }
      d.repo.insertSender({
        type: p.type, account_id: p.accountId, sender_id: p.senderId, kind: p.kind, username: p.username,
        display_name: p.displayName.slice(0, 200), status: 'pending', level: null, chat_id: p.chatId, chat_type: p.chatType,
        preview: p.preview.slice(0, PREVIEW_CHARS), now,
      });
      const row = must(p.type, p.accountId, p.senderId);
      d.audit('channel_sender_pending', `${meta(row)}${p.chatId ? ` chat=${p.chatId}` : ''}`);
      d.publish('channel.sender.pending', { ...ids(row), preview: row.preview, firstSeenAt: row.first_seen_at });
      return row;
    },
    markNotified: (type: string, accountId: string, senderId: string) => d.repo.markNotified(type, accountId, senderId),
    /** Issues a self-approval code (admins only see it: event `channel.sender.otp`). */
    issueOtp(r: ChannelSenderRow): { code: string; expiresAt: number } | null {
      const c = d.otp.issue(otpKey(r.type, r.account_id, r.sender_id));
      if (c) {
        d.audit('channel_sender_otp_issued', meta(r));
        d.publish('channel.sender.otp', { ...ids(r), code: c.code, expiresAt: c.expiresAt });
      }
      return c;
    },
    checkOtp(r: ChannelSenderRow, typed: string, cooldownMs: number) {
      const c = d.otp.check(otpKey(r.type, r.account_id, r.sender_id), typed, cooldownMs);
      // Audited once per lockout (not per refused try), so a guessing sender cannot flood the log.
      if (c.result === 'locked' && c.fresh) d.audit('channel_sender_otp_locked', `${meta(r)} until=${new Date(c.untilMs).toISOString()}`);
      return c;
    },

    approve(type: string, accountId: string, senderId: string, level: ChannelLevel, by: string): SenderView {
      const r = must(type, accountId, senderId);
      d.repo.decide({ type, account_id: accountId, sender_id: senderId, status: 'approved', level, notified: true, now: d.now() });
      d.otp.forget(otpKey(type, accountId, senderId));
      d.audit('channel_sender_approved', `${meta(r)} level=${level} by=${by}`);
      const row = must(type, accountId, senderId);
      d.publish('channel.sender.approved', { ...ids(row), level, by });
      return view(row, false);
    },
    /** Denied senders are remembered and ignored without replies. */
    deny(type: string, accountId: string, senderId: string, by: string): SenderView {
      const r = must(type, accountId, senderId);
      d.repo.decide({ type, account_id: accountId, sender_id: senderId, status: 'denied', level: null, notified: true, now: d.now() });
      d.otp.forget(otpKey(type, accountId, senderId));
      d.audit('channel_sender_denied', `${meta(r)} by=${by}`);
      d.publish('channel.sender.denied', { ...ids(r), by });
      return view(must(type, accountId, senderId), false);
    },
    /** Takes an approval back: the sender is pending again (and told so once on their next message). */
    revoke(type: string, accountId: string, senderId: string, by: string): SenderView {
      const r = must(type, accountId, senderId);
      if (r.status !== 'approved') throw new ChannelError('CONFLICT', `sender ${senderId} is ${r.status}, not approved: nothing to revoke`);
      d.repo.decide({ type, account_id: accountId, sender_id: senderId, status: 'pending', level: null, notified: false, now: d.now() });
      d.audit('channel_sender_revoked', `${meta(r)} by=${by}`);
      d.publish('channel.sender.revoked', { ...ids(r), by });
      return view(must(type, accountId, senderId), false);
    },
  };
}
export type Senders = ReturnType<typeof createSenders>;
