import { z } from 'zod';
import { parseParams, RpcError, type CallContext, type MethodTable } from '../rpc/index.js';
import { canSeeSession, isCronSession } from '../policy/index.js';
import type { EventBus } from '../events/index.js';
import type { Store } from '../store/index.js';
import { ChatError, type Agent } from './runner.js';
import type { ProviderRegistry } from './registry.js';
import { providerMethods, type ProviderSecrets } from './provider-methods.js';
import type { LocalServer } from './catalog.js';
import type { ProviderNet } from './remote.js';

export type { ProviderSecrets } from './provider-methods.js';

/** What the RPC layer needs from the identity files (implemented by `src/identity`). */
export interface IdentityPort {
  read(): unknown;
  update(patch: Record<string, unknown>): { changed: string[] };
}

const SessionKey = z.string().regex(/^[A-Za-z0-9:_.-]{1,128}$/, 'session keys are 1-128 letters, digits and : _ . -');
/** The longest chat message, in characters (the UI also checks the frame size before sending). */
export const MAX_MESSAGE_CHARS = 100_000;
const Send = z.object({ sessionKey: SessionKey, text: z.string().min(1, 'text is empty').max(MAX_MESSAGE_CHARS, `the message is longer than ${MAX_MESSAGE_CHARS.toLocaleString('en')} characters: shorten it or split it into parts`) }).strict();
const Abort = z.object({ sessionKey: SessionKey.optional(), runId: z.string().max(64).optional() }).strict()
  .refine((p) => p.sessionKey !== undefined || p.runId !== undefined, 'give sessionKey or runId');
const History = z.object({ sessionKey: SessionKey, limit: z.number().int().min(1).max(1000).optional() }).strict();
const Delete = z.object({ key: SessionKey }).strict();
const Rename = z.object({ key: SessionKey, label: z.string().trim().min(1).max(200) }).strict();
const SetModel = z.object({ key: SessionKey, model: z.string().max(300).nullable() }).strict();

/** A session the caller may not see is reported as absent (its existence is not revealed). */
function visible(key: string, ctx: CallContext): string {
  if (!canSeeSession(key, ctx.identity.scopes)) throw new RpcError('NOT_FOUND', `no session ${key}`);
  return key;
}

function chatError(err: unknown): never {
  if (err instanceof ChatError) throw new RpcError(err.code, err.message);
  throw err;
}

/** The method table of chat.*, the rest of sessions.*, identity.*, providers.* and models.list. */
export function agentMethods(deps: {
  agent: Agent; store: Store; bus: EventBus; now: () => number;
  identity: IdentityPort; secrets: ProviderSecrets; audit: (type: string, ip: string | null, detail: string | null) => void;
  providers: ProviderRegistry; env: Record<string, string | undefined>; net: ProviderNet; vaultUnsealed: () => boolean;
  localServers?: readonly LocalServer[];
}): MethodTable {
  const { agent, store } = deps;
  return {
  'chat.send': (params, ctx) => {
    const p = parseParams(Send, params);
    visible(p.sessionKey, ctx);
    // A job's session belongs to its runs: a client's message there would steer what the job does next.
    if (isCronSession(p.sessionKey)) throw new RpcError('FORBIDDEN', `${p.sessionKey} is a scheduled job's session: read it with chat.history, change the job with cron.update`);
    try { return agent.send(p, { scopes: ctx.identity.scopes, origin: ctx.connId ? 'web' : 'api', identity: ctx.identity }); } catch (err) { return chatError(err); }
  },
  'chat.abort': (params, ctx) => {
    const p = parseParams(Abort, params);
    if (p.sessionKey !== undefined) visible(p.sessionKey, ctx);
    return agent.abort(p, (k) => canSeeSession(k, ctx.identity.scopes));
  },
  'chat.history': (params, ctx) => {
    const p = parseParams(History, params);
    visible(p.sessionKey, ctx);
    try { return { sessionKey: p.sessionKey, messages: agent.history(p.sessionKey, p.limit ?? 200) }; } catch (err) { return chatError(err); }
  },
  'sessions.delete': (params, ctx) => {
    const p = parseParams(Delete, params);
    visible(p.key, ctx);
    agent.abort({ sessionKey: p.key });
    if (!store.chatSessions.delete(p.key)) throw new RpcError('NOT_FOUND', `no session ${p.key}`);
    deps.bus.publish('sessions.changed', { kind: 'deleted', key: p.key });
    return { ok: true };
  },
  'sessions.rename': (params, ctx) => {
    const p = parseParams(Rename, params);
    visible(p.key, ctx);
    if (!store.chatSessions.rename(p.key, p.label, deps.now())) throw new RpcError('NOT_FOUND', `no session ${p.key}`);
    deps.bus.publish('sessions.changed', { kind: 'renamed', key: p.key, label: p.label });
    return { ok: true };
  },
  'sessions.set_model': (params, ctx) => {
    const p = parseParams(SetModel, params);
    visible(p.key, ctx);
    if (p.model !== null) { try { deps.providers.resolve(p.model); } catch (err) { throw new RpcError('INVALID_REQUEST', (err as Error).message); } }
    if (!store.chatSessions.setModel(p.key, p.model, deps.now())) throw new RpcError('NOT_FOUND', `no session ${p.key}`);
    return { ok: true };
  },

  'identity.get': () => deps.identity.read(),
  'identity.update': (params, ctx) => {
    if (!params || typeof params !== 'object') throw new RpcError('INVALID_REQUEST', 'params must be {identity?, user?, soul?, tools?}');
    let r: { changed: string[] };
    try { r = deps.identity.update(params as Record<string, unknown>); } catch (err) {
      if ((err as { code?: string }).code === 'INVALID_IDENTITY') throw new RpcError('INVALID_REQUEST', (err as Error).message);
      throw err;
    }
    deps.audit('identity_updated', ctx.clientIp, `files=${r.changed.join(',')}${ctx.identity.apiKeyId !== undefined ? ` key=${ctx.identity.apiKeyId}` : ''}`);
    deps.bus.publish('identity.updated', { changed: r.changed });
    return { ok: true, changed: r.changed };
  },

  ...providerMethods(deps),
  };
}
