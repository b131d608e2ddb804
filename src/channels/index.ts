/**
 * Chat channels (the brief's "Channel Authorization"): Telegram and Slack accounts, pending
 * senders keyed on immutable platform ids, per-channel permission levels and one isolated
 * session per chat. The only public surface.
 */
export { createChannels, sessionKeyFor, type Channels, type ChannelsDeps } from './service.js';
export { channelMethods } from './rpc.js';
export { telegramAdapter, type TelegramAdapterOptions } from './telegram/index.js';
export { slackAdapter, verifySlackRequest, SLACK_MAX_SKEW_S } from './slack/index.js';
export { NOTICES } from './gate.js';
export type { AdapterFactory, AdapterContext, ChannelVault } from './accounts.js';
export type { AccountView } from './account-ops.js';
export type { InboundMessage, PlatformClient, SenderView, ChannelType, ChannelLevel, CallbackRequest, CallbackResponse } from './types.js';
