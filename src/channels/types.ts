/**
 * The platform-neutral vocabulary of the channels capability: what an adapter (Telegram, Slack)
 * hands the core, and what the core asks of it.
 */
import type { ChannelType, SlackSettings, TelegramSettings } from '../config/index.js';
import type { ChannelLevel } from '../policy/index.js';

export type { ChannelType } from '../config/index.js';
export type { ChannelLevel } from '../policy/index.js';

/** Settings of one account, by type (non-secret; secrets are read from the vault at start). */
export type AccountSettings = TelegramSettings | SlackSettings;

/** One inbound text message, normalized. Every id is the platform's immutable id, as a string. */
export interface InboundMessage {
  /** Immutable sender id (Telegram `from.id`; Slack `team:user`). */
  senderId: string;
  /** The sender's current handle: shown to the owner, never used for a decision. */
  username: string | null;
  displayName: string;
  chatId: string;
  chatKind: 'direct' | 'group';
  /** Group title, for the owner's review. */
  chatTitle?: string;
  /** Telegram forum topic / Slack thread: part of the session key when present. */
  threadId?: string;
  messageId: string;
  text: string;
  /** In a group: the message mentions the bot or replies to it. */
  addressed: boolean;
}

/** A button press on an owner notification (approve / deny a pending sender). */
export interface ButtonPress {
  /** Who pressed: only an approved admin-level sender of the account may decide. */
  senderId: string;
  chatId: string;
  action: 'approve' | 'deny';
  target: string;
  /** Answers the press (toast), and edits the notification. */
  answer(text: string): Promise<void>;
}

/** What an adapter may send. */
export interface OutboundOptions { threadId?: string; replyTo?: string; buttons?: Array<{ text: string; data: string }> }

/** A platform's HTTP callback to this gateway (Slack Events API), raw so signatures can be checked. */
export interface CallbackRequest { endpoint: string; headers: Record<string, string | string[] | undefined>; rawBody: Buffer }
/** The answer to a callback; `body` undefined sends an empty 200. */
export interface CallbackResponse { status: number; body?: unknown; headers?: Record<string, string> }

/** One running platform connection; built per account by its adapter. */
export interface PlatformClient {
  /** Checks the credentials (e.g. getMe) and starts receiving. Throws {@link ChannelStartError}. */
  start(): Promise<{ botName: string }>;
  /** Sends text (split to the platform's limits). */
  send(chatId: string, text: string, o?: OutboundOptions): Promise<void>;
  /** Shows "typing…" where the platform has it. */
  typing?(chatId: string, threadId?: string): Promise<void>;
  /** Stops receiving and releases sockets; resolves promptly. */
  stop(): Promise<void>;
  /** Handles an HTTP callback (verification included) when the account receives that way. */
  callback?(req: CallbackRequest): CallbackResponse;
}

/** Why an account could not start or stopped: the status shown to the owner. */
export class ChannelStartError extends Error {
  constructor(readonly state: 'error' | 'disabled', message: string) { super(message); }
}

/** Callbacks an adapter uses to reach the core. */
export interface AdapterSink {
  message(m: InboundMessage): void;
  button(b: ButtonPress): void;
  /** The connection died for good (bad token, another instance): the account stops with this status. */
  fatal(err: ChannelStartError): void;
  log(line: string): void;
}

/** Sender record as `channels.senders.list` shows it (pinned shape). */
export interface SenderView {
  type: ChannelType; accountId: string; senderId: string; kind: 'user' | 'group';
  username: string | null; displayName: string; status: 'pending' | 'approved' | 'denied';
  level: ChannelLevel | null; messageCount: number; firstSeenAt: number; lastSeenAt: number; preview: string;
  otp?: { code: string; expiresAt: number };
}

/** A refused channel operation; `code` maps to an RPC error code. */
export class ChannelError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'CONFLICT' | 'INVALID_REQUEST' | 'VAULT_SEALED' | 'UNAVAILABLE', message: string) { super(message); }
}
