/**
 * `channels.*` RPC methods. Scopes are in policy/ (add/update/remove and sender decisions are
 * admin: they manage credentials and who may use the agent); list/status never return a secret,
 * and OTP codes appear only for admin callers.
 */
import { z } from 'zod';
import { CHANNEL_TYPES } from '../config/index.js';
import { ADMIN, CHANNEL_LEVELS } from '../policy/index.js';
import { parseParams, RpcError, type CallContext, type MethodTable } from '../rpc/index.js';
import type { AccountOps } from './account-ops.js';
import { ChannelError } from './types.js';

const Type = z.enum(CHANNEL_TYPES);
const AccountId = z.string().min(1).max(64);
const SenderId = z.string().regex(/^[A-Za-z0-9:_-]{1,128}$/, 'senderId is the platform id as shown by channels.senders.list');
const WithConfig = z.object({ type: Type, accountId: AccountId, config: z.record(z.string(), z.unknown()) }).strict();
const Account = z.object({ type: Type, accountId: AccountId }).strict();
const SenderFilter = z.object({ type: Type.optional(), accountId: AccountId.optional() }).strict();
const Approve = z.object({ type: Type, accountId: AccountId, senderId: SenderId, level: z.enum(CHANNEL_LEVELS).optional() }).strict();
const Sender = z.object({ type: Type, accountId: AccountId, senderId: SenderId }).strict();

/** Who decided, for the audit trail. */
const by = (ctx: CallContext) => ctx.identity.apiKeyId !== undefined ? `key:${ctx.identity.apiKeyId}` : ctx.identity.sessionId !== undefined ? `session:${ctx.identity.sessionId}` : ctx.identity.method;

async function call<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ChannelError) throw new RpcError(err.code, err.message);
    throw err;
  }
}

/** The method table of `channels.*`. */
export function channelMethods(ops: AccountOps): MethodTable {
  return {
    'channels.list': () => ops.list(),
    'channels.status': () => ops.status(),
    'channels.add': (params, ctx) => {
      const p = parseParams(WithConfig, params);
      return call(async () => ({ ok: true, account: await ops.add(p.type, p.accountId, p.config, by(ctx)) }));
    },
    'channels.update': (params, ctx) => {
      const p = parseParams(WithConfig, params);
      return call(async () => ({ ok: true, account: await ops.update(p.type, p.accountId, p.config, by(ctx)) }));
    },
    'channels.remove': (params, ctx) => {
      const p = parseParams(Account, params);
      return call(() => ops.remove(p.type, p.accountId, by(ctx)));
    },
    'channels.senders.list': (params, ctx) => {
      const p = parseParams(SenderFilter, params);
      // Self-approval codes are credentials: only admins see them.
      return ops.senders.list({ ...(p.type ? { type: p.type } : {}), ...(p.accountId ? { accountId: p.accountId } : {}) }, ctx.identity.scopes.includes(ADMIN));
    },
    'channels.senders.approve': (params, ctx) => {
      const p = parseParams(Approve, params);
      return call(() => ({ ok: true, sender: ops.senders.approve(p.type, p.accountId, p.senderId, p.level, by(ctx)) }));
    },
    'channels.senders.deny': (params, ctx) => {
      const p = parseParams(Sender, params);
      return call(() => ({ ok: true, sender: ops.senders.deny(p.type, p.accountId, p.senderId, by(ctx)) }));
    },
    'channels.senders.revoke': (params, ctx) => {
      const p = parseParams(Sender, params);
      return call(() => ({ ok: true, sender: ops.senders.revoke(p.type, p.accountId, p.senderId, by(ctx)) }));
    },
  };
}
