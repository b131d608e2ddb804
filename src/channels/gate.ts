/**
 * The sender gate: decides, for one inbound message, whether it may reach the agent. Reads top
 * to bottom as guard clauses; anything not explicitly allowed is ignored (fail closed). An
 * unknown sender's message never reaches the model.
 */
import { isChannelLevel, lowerLevel, type ChannelLevel } from '../policy/index.js';
import type { ChannelSenderRow } from '../store/index.js';
import type { RateLimiter } from './limits.js';
import type { Senders } from './senders.js';
import type { AccountSettings, ChannelType, InboundMessage } from './types.js';

/** Texts sent back to senders (one place, so their tone and promises stay consistent). */
export const NOTICES = {
  waiting: "Thanks for your message. This assistant only talks to people its owner has approved; your request is waiting for the owner's approval. You will not get another reply until then.",
  otpHint: ' If the owner gave you a 6-digit code, send it here.',
  groupWaiting: "This group is waiting for the owner's approval before the assistant answers here.",
  rateLimited: "You're sending messages too fast; I'll ignore new ones for a minute.",
  tooLong: (max: number) => `That message is too long (at most ${max} characters). Please shorten it.`,
  verified: 'Verified! You now have access to this assistant.',
  otpWrong: (n: number) => `Incorrect code. ${n} attempt(s) remaining.`,
  otpLocked: 'Too many failed attempts. Please wait before trying again, or ask the owner.',
  otpExpired: 'Your code has expired. Send any message to get a new one.',
} as const;

/** The gate's decision. `notifyOwner` carries a sender that just became pending. */
export type GateDecision =
  | { kind: 'ignore'; why: string }
  | { kind: 'reply'; text: string; why: string; notifyOwner?: ChannelSenderRow }
  | { kind: 'turn'; level: ChannelLevel };

/** The account a message arrived on. */
export interface GateAccount { type: ChannelType; accountId: string; settings: AccountSettings }

/** Creates the gate over the sender registry and the per-sender rate limiter. */
export function createGate(d: { senders: Senders; rate: RateLimiter; maxChars: number }) {
  const { senders } = d;

  /** A sender we have never seen: queue them (direct chats get one polite reply). */
  function unknown(a: GateAccount, m: InboundMessage): GateDecision {
    const row = senders.addPending({
      type: a.type, accountId: a.accountId, senderId: m.senderId, kind: 'user', username: m.username, displayName: m.displayName,
      chatId: m.chatKind === 'direct' ? m.chatId : null, chatType: m.chatKind, preview: m.text,
    });
    // In a group, strangers are ignored: no reply there, only the owner's queue.
    if (m.chatKind !== 'direct') return { kind: 'ignore', why: 'unknown sender in a group (queued)' };
    senders.markNotified(a.type, a.accountId, m.senderId);
    const otp = a.settings.otp_self_approval ? senders.issueOtp(row) : null;
    return { kind: 'reply', text: NOTICES.waiting + (otp ? NOTICES.otpHint : ''), why: 'new sender (queued)', notifyOwner: row };
  }

  /** A sender waiting for approval: no reply beyond the first, except to a self-approval code. */
  function pending(a: GateAccount, m: InboundMessage, row: ChannelSenderRow): GateDecision {
    senders.seen(a.type, a.accountId, m.senderId, { username: m.username, displayName: m.displayName, chatId: m.chatKind === 'direct' ? m.chatId : null });
    if (m.chatKind !== 'direct') return { kind: 'ignore', why: 'pending sender in a group' };
    if (a.settings.otp_self_approval) {
      const typed = m.text.trim();
      if (/^\d{6}$/.test(typed)) {
        const c = senders.checkOtp(row, typed, a.settings.otp_cooldown_secs * 1000);
        // OTP never grants more than answers: a stranger who knows a code gets read-only.
        if (c.result === 'ok') { senders.approve(a.type, a.accountId, m.senderId, 'read-only', 'otp'); return { kind: 'reply', text: NOTICES.verified, why: 'otp verified' }; }
        if (c.result === 'wrong') return { kind: 'reply', text: NOTICES.otpWrong(c.remaining), why: 'otp wrong' };
        if (c.result === 'locked') return { kind: 'reply', text: NOTICES.otpLocked, why: 'otp locked' };
        if (c.result === 'expired') return { kind: 'reply', text: NOTICES.otpExpired, why: 'otp expired' };
      }
    }
    if (row.notified === 0) {
      // Revoked senders (notified reset) are told once that they wait again.
      senders.markNotified(a.type, a.accountId, m.senderId);
      const otp = a.settings.otp_self_approval ? senders.issueOtp(row) : null;
      return { kind: 'reply', text: NOTICES.waiting + (otp ? NOTICES.otpHint : ''), why: 'pending sender (first reply)' };
    }
    return { kind: 'ignore', why: 'pending sender' };
  }

  /** A group chat must itself be approved, like a sender; unknown groups are queued once. */
  function group(a: GateAccount, m: InboundMessage): { ok: true; level: ChannelLevel | null } | { ok: false; decision: GateDecision } {
    const g = senders.get(a.type, a.accountId, m.chatId);
    if (!g) {
      senders.addPending({ type: a.type, accountId: a.accountId, senderId: m.chatId, kind: 'group', username: null, displayName: m.chatTitle ?? m.chatId, chatId: m.chatId, chatType: 'group', preview: m.text });
      senders.markNotified(a.type, a.accountId, m.chatId);
      return { ok: false, decision: { kind: 'reply', text: NOTICES.groupWaiting, why: 'new group (queued)' } };
    }
    if (g.kind !== 'group' || g.status !== 'approved') return { ok: false, decision: { kind: 'ignore', why: `group ${g.status}` } };
    return { ok: true, level: isChannelLevel(g.level) ? g.level : null };
  }

  return {
    decide(a: GateAccount, m: InboundMessage): GateDecision {
      const s = a.settings;
      // Policy switches first: they need no lookup.
      if (m.chatKind === 'direct' && s.dm_policy === 'disabled') return { kind: 'ignore', why: 'direct messages disabled' };
      if (m.chatKind === 'group' && s.mention_mode === 'none') return { kind: 'ignore', why: 'groups disabled (mention_mode none)' };
      // In groups only messages addressed to the bot count: chatter is never recorded.
      if (m.chatKind === 'group' && s.mention_mode === 'mention' && !m.addressed) return { kind: 'ignore', why: 'not addressed to the bot' };
      const row = senders.get(a.type, a.accountId, m.senderId);
      // Denied senders are remembered and ignored without replies.
      if (row?.status === 'denied') return { kind: 'ignore', why: 'denied sender' };
      // A group id is never a sender id: a message "from" one is refused.
      if (row && row.kind !== 'user') return { kind: 'ignore', why: 'sender id names a group' };
      const rate = d.rate.hit(`${a.type}\u0000${a.accountId}\u0000${m.senderId}`);
      if (!rate.ok) {
        // Only approved senders get the notice; strangers already had their one reply.
        return rate.first && row?.status === 'approved' ? { kind: 'reply', text: NOTICES.rateLimited, why: 'rate limited' } : { kind: 'ignore', why: 'rate limited' };
      }
      if (!row) return unknown(a, m);
      if (row.status !== 'approved') return pending(a, m, row);
      senders.seen(a.type, a.accountId, m.senderId, { username: m.username, displayName: m.displayName, chatId: m.chatKind === 'direct' ? m.chatId : null });
      let level = lowerLevel(s.permission, isChannelLevel(row.level) ? row.level : s.permission);
      if (m.chatKind === 'group') {
        const g = group(a, m);
        if (!g.ok) return g.decision;
        if (g.level) level = lowerLevel(level, g.level);
      }
      if (m.text.length > d.maxChars) return { kind: 'reply', text: NOTICES.tooLong(d.maxChars), why: 'too long' };
      return { kind: 'turn', level };
    },
  };
}
export type Gate = ReturnType<typeof createGate>;
