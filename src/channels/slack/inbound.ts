/**
 * Slack payloads → the core's normalized messages. Identity is `team:user` (Slack ids are
 * immutable; display names and handles are not). Bot messages, edits and other subtypes are
 * ignored; a channel id starting with `D` is a direct message.
 */
import type { InboundMessage } from '../types.js';

/** The bot's own identity, from auth.test. */
export interface SlackBot { userId: string; teamId: string; botId: string | null }

interface SlackEvent { type?: string; subtype?: string; user?: string; bot_id?: string; channel?: string; channel_type?: string; text?: string; ts?: string; thread_ts?: string; team?: string }

const ID = /^[A-Z0-9]{1,32}$/;

/** A message event (`message` or `app_mention`) inside an `event_callback`, or null. */
export function eventToInbound(envelope: { team_id?: unknown; event?: unknown }, bot: SlackBot, threadReplies: boolean): InboundMessage | null {
  const e = envelope.event as SlackEvent | undefined;
  if (!e || (e.type !== 'message' && e.type !== 'app_mention')) return null;
  // Edits, joins, bot posts (ours included) are not messages from a person.
  if (e.subtype !== undefined || e.bot_id !== undefined || typeof e.text !== 'string') return null;
  const team = typeof envelope.team_id === 'string' ? envelope.team_id : e.team;
  if (!team || !e.user || !e.channel || !e.ts || !ID.test(team) || !ID.test(e.user) || !ID.test(e.channel)) return null;
  if (e.user === bot.userId) return null;
  const direct = e.channel.startsWith('D');
  const mention = `<@${bot.userId}>`;
  return {
    senderId: `${team}:${e.user}`,
    username: null,
    displayName: e.user,
    chatId: e.channel,
    chatKind: direct ? 'direct' : 'group',
    // In channels a conversation is a thread: its own session, answered in the thread.
    ...(!direct && threadReplies ? { threadId: e.thread_ts ?? e.ts } : {}),
    messageId: e.ts,
    text: e.text.replaceAll(mention, '').trim() || e.text,
    addressed: direct || e.type === 'app_mention' || e.text.includes(mention),
  };
}

/** A slash command (`/moltis text`) as a message addressed to the bot, or null. */
export function commandToInbound(c: Record<string, string>): InboundMessage | null {
  const { team_id: team, user_id: user, channel_id: channel, text, user_name: name, trigger_id: trigger } = c;
  if (!team || !user || !channel || !ID.test(team) || !ID.test(user) || !ID.test(channel) || typeof text !== 'string' || text.trim() === '') return null;
  return {
    senderId: `${team}:${user}`, username: name ?? null, displayName: name ?? user, chatId: channel,
    chatKind: channel.startsWith('D') ? 'direct' : 'group', messageId: trigger ?? `${channel}:${Date.now()}`, text, addressed: true,
  };
}

/** An Approve/Deny press on an owner notification (block_actions), or null. */
export function interactionToButton(p: { type?: unknown; user?: { id?: unknown; team_id?: unknown }; team?: { id?: unknown }; channel?: { id?: unknown }; actions?: Array<{ action_id?: unknown; value?: unknown }> }):
  { senderId: string; chatId: string; action: 'approve' | 'deny'; target: string } | null {
  if (p.type !== 'block_actions') return null;
  const team = typeof p.team?.id === 'string' ? p.team.id : p.user?.team_id;
  const user = p.user?.id;
  const a = p.actions?.[0];
  if (typeof team !== 'string' || typeof user !== 'string' || !a || (a.action_id !== 'approve' && a.action_id !== 'deny') || typeof a.value !== 'string') return null;
  if (!/^[A-Z0-9]{1,32}:[A-Z0-9]{1,32}$/.test(a.value)) return null;
  return { senderId: `${team}:${user}`, chatId: typeof p.channel?.id === 'string' ? p.channel.id : user, action: a.action_id, target: a.value };
}
