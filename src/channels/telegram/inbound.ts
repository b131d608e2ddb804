/**
 * Telegram updates → the core's normalized messages. Identity is `from.id` (a number Telegram
 * never reassigns), never the username. Only text messages from people are taken; bots, channel
 * posts, edits and media are ignored.
 */
import type { Message, Update } from 'grammy/types';
import type { InboundMessage } from '../types.js';

/** The bot's own identity, from getMe. */
export interface BotIdentity { id: number; username: string }

/** Is the message addressed to the bot: an @mention, a text mention, a /command@bot or a reply to it? */
function addressed(m: Message, bot: BotIdentity): boolean {
  if (m.reply_to_message?.from?.id === bot.id) return true;
  const text = m.text ?? '';
  const handle = `@${bot.username}`.toLowerCase();
  for (const e of m.entities ?? []) {
    if (e.type === 'text_mention' && e.user.id === bot.id) return true;
    const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === 'mention' && part === handle) return true;
    if (e.type === 'bot_command' && part.endsWith(handle)) return true;
  }
  return false;
}

/** A normalized message, or null for anything the gate should never see. */
export function toInbound(u: Update, bot: BotIdentity): InboundMessage | null {
  const m = u.message;
  if (!m || typeof m.text !== 'string' || !m.from || m.from.is_bot) return null;
  const kind = m.chat.type === 'private' ? 'direct' : m.chat.type === 'group' || m.chat.type === 'supergroup' ? 'group' : null;
  if (!kind) return null;
  // In a private chat the chat is the sender: anything else is malformed and ignored.
  if (kind === 'direct' && m.chat.id !== m.from.id) return null;
  const name = [m.from.first_name, m.from.last_name].filter(Boolean).join(' ').trim();
  return {
    senderId: String(m.from.id),
    username: m.from.username ?? null,
    displayName: name || (m.from.username ?? String(m.from.id)),
    chatId: String(m.chat.id),
    chatKind: kind,
    ...('title' in m.chat && m.chat.title ? { chatTitle: m.chat.title } : {}),
    // Forum topics get their own session, like separate chats.
    ...(m.is_topic_message && m.message_thread_id !== undefined ? { threadId: String(m.message_thread_id) } : {}),
    messageId: String(m.message_id),
    text: m.text,
    addressed: kind === 'direct' || addressed(m, bot),
  };
}

/** An owner's button press on a pending-sender notification: `approve:<id>` / `deny:<id>`. */
export function toButton(u: Update): { queryId: string; senderId: string; chatId: string; messageId: number | null; action: 'approve' | 'deny'; target: string } | null {
  const q = u.callback_query;
  if (!q || typeof q.data !== 'string') return null;
  const m = /^(approve|deny):(-?\d{1,20})$/.exec(q.data);
  if (!m) return null;
  const msg = q.message;
  return { queryId: q.id, senderId: String(q.from.id), chatId: msg ? String(msg.chat.id) : String(q.from.id), messageId: msg ? msg.message_id : null, action: m[1] as 'approve' | 'deny', target: m[2]! };
}
