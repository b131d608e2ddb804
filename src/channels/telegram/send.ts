/**
 * Outbound Telegram messages within the platform's limits: long text is split (4096 characters
 * a message), and a 429 is honoured by waiting its `retry_after` (bounded) before trying again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Api } from 'grammy';
import type { OutboundOptions } from '../types.js';

/** grammy types its signal parameter with the abort-controller shim; Node's AbortSignal is what it gets. */
export type GrammySignal = Parameters<Api['getMe']>[0];
export const grammySignal = (s: AbortSignal): GrammySignal => s as unknown as GrammySignal;

/** Telegram's limit is 4096 characters; stay under it. */
export const TELEGRAM_MAX_CHARS = 4000;
/** Longest 429 wait honoured, and how many times one message is retried. */
const MAX_RETRY_AFTER_S = 60;
const MAX_RETRIES = 3;

/** Splits text into chunks of at most `max` characters, preferring line breaks, never inside a surrogate pair. */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text.trim() === '' ? '…' : text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--; // keep a surrogate pair together
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  out.push(rest);
  return out;
}

/** The wait a Telegram 429 asks for, in seconds, or null when the error is something else. */
export function retryAfter(err: unknown): number | null {
  const e = err as { error_code?: unknown; parameters?: { retry_after?: unknown } };
  if (e?.error_code !== 429) return null;
  const s = Number(e.parameters?.retry_after);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, MAX_RETRY_AFTER_S) : 1;
}

/** Calls `fn`, waiting out 429s (at most MAX_RETRIES times); aborts with `signal`. */
export async function withRetry<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = retryAfter(err);
      if (wait === null || attempt >= MAX_RETRIES || signal.aborted) throw err;
      await sleep(wait * 1000, undefined, { signal });
    }
  }
}

/** Sends `text` to a chat, split to the limit, each part retried on 429. */
export async function sendText(api: Api, chatId: string, text: string, o: OutboundOptions, signal: AbortSignal): Promise<void> {
  const parts = splitText(text, TELEGRAM_MAX_CHARS);
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    await withRetry(() => api.sendMessage(chatId, part, {
      ...(o.threadId ? { message_thread_id: Number(o.threadId) } : {}),
      ...(o.replyTo && i === 0 ? { reply_parameters: { message_id: Number(o.replyTo), allow_sending_without_reply: true } } : {}),
      ...(o.buttons && last ? { reply_markup: { inline_keyboard: [o.buttons.map((b) => ({ text: b.text, callback_data: b.data }))] } } : {}),
    }, grammySignal(signal)), signal);
  }
}
