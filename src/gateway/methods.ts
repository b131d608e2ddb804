import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { Auth } from '../auth/index.js';
import type { EventBus } from '../events/index.js';
import { UNTITLED_SESSION, type SessionCursor, type Store } from '../store/index.js';
import type { Dispatcher } from './dispatcher.js';
import type { Connections } from './connections.js';
import { parseParams, RpcError } from '../rpc/index.js';
import { canSeeSession, CHANNEL_SESSION_PREFIXES } from '../policy/index.js';

export { parseParams } from '../rpc/index.js';

const SessionCreate = z.object({ key: z.string().regex(/^[A-Za-z0-9:_.-]{1,128}$/).optional(), label: z.string().trim().min(1).max(200).optional() }).strict();
const SessionList = z.object({
  limit: z.number().int().min(1).max(500).optional(),
  cursor: z.string().max(400).optional(),
  search: z.string().trim().max(200).optional(),
}).strict();
/** Cursors are opaque to clients: the last row's (updated_at, key), base64url JSON. */
const encodeCursor = (r: { updated_at: number; key: string }) => Buffer.from(JSON.stringify([r.updated_at, r.key])).toString('base64url');
function decodeCursor(c: string): SessionCursor {
  try {
    const [updatedAt, key] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown[];
    if (typeof updatedAt === 'number' && Number.isSafeInteger(updatedAt) && typeof key === 'string') return { updatedAt, key };
  } catch { /* reported below */ }
  throw new RpcError('INVALID_REQUEST', 'invalid cursor: pass back the nextCursor of the previous page unchanged');
}
const AuditList = z.object({ limit: z.number().int().min(1).max(1000).optional(), before: z.number().int().positive().optional(), type: z.string().max(64).optional() }).strict();

/** Registers the core methods: health, status, auth.whoami, sessions.*, exec.approval.list, node.pairing.status, auth.audit.list. */
export function registerCoreMethods(d: Dispatcher, deps: { auth: Auth; store: Store; bus: EventBus; now: () => number; startedAt: number; version: string; tls: boolean; connections: () => number }) {
  const { auth, store, now } = deps;
  d.register('health', () => ({ ok: true, uptimeMs: now() - deps.startedAt }));
  d.register('status', () => ({
    version: deps.version,
    uptimeMs: now() - deps.startedAt,
    tls: deps.tls,
    setupComplete: auth.isSetupComplete(),
    authDisabled: auth.isDisabled(),
    connections: deps.connections(),
  }));
  d.register('auth.whoami', (_p, ctx) => ({
    method: ctx.identity.method,
    scopes: ctx.identity.scopes,
    ...(ctx.identity.apiKeyId !== undefined ? { apiKeyId: ctx.identity.apiKeyId } : {}),
    clientIp: ctx.clientIp,
    isLocal: ctx.isLocal,
  }));
  // Paged (newest first) so no session ever drops out of reach; `search` matches titles.
  d.register('sessions.list', (params, ctx) => {
    const p = parseParams(SessionList, params);
    const limit = p.limit ?? 100;
    // Channel sessions are left out in SQL for callers who may not see them (canSeeSession is the rule).
    const excludePrefix = canSeeSession('channel:probe', ctx.identity.scopes) ? undefined : 'channel:';
    const rows = store.chatSessions.page({ limit: limit + 1, ...(p.cursor ? { cursor: decodeCursor(p.cursor) } : {}), ...(p.search ? { search: p.search } : {}), ...(excludePrefix ? { excludePrefix } : {}) });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    return {
      sessions: page.filter((s) => canSeeSession(s.key, ctx.identity.scopes)).map((s) => ({ key: s.key, label: s.label, model: s.model, createdAt: s.created_at, updatedAt: s.updated_at })),
      hasMore, nextCursor: hasMore && page.length > 0 ? encodeCursor(page[page.length - 1]!) : null,
    };
  });
  d.register('sessions.create', (params, ctx) => {
    const p = parseParams(SessionCreate, params);
    const key = p.key ?? `session:${randomUUID()}`;
    if (!canSeeSession(key, ctx.identity.scopes)) throw new RpcError('FORBIDDEN', `session keys starting with ${CHANNEL_SESSION_PREFIXES.map((p) => `"${p}"`).join(', ')} belong to chat channels`);
    if (store.chatSessions.get(key)) throw new RpcError('CONFLICT', `session ${key} already exists`);
    const s = store.chatSessions.create({ key, label: p.label ?? UNTITLED_SESSION, now: now() });
    deps.bus.publish('sessions.changed', { kind: 'created', key });
    return { key: s.key, label: s.label, createdAt: s.created_at, updatedAt: s.updated_at };
  });
  // Node pairing is not offered by this gateway yet: report it disabled.
  d.register('node.pairing.status', () => ({ enabled: false, pending: [] }));
  d.register('auth.audit.list', (params) => {
    const p = parseParams(AuditList, params);
    return { entries: auth.auditList(p).map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })) };
  });
}

const Subscription = z.object({ events: z.array(z.string().min(1).max(128)).max(64).optional() }).strict();

/** `subscribe` / `unsubscribe` `{events?: string[]}` (default or `"*"`: everything the caller may see). WebSocket only. */
export function registerSubscriptionMethods(d: Dispatcher, conns: Connections) {
  const connOf = (connId: string | null) => {
    const c = connId ? conns.get(connId) : undefined;
    if (!c) throw new RpcError('INVALID_REQUEST', 'event subscriptions exist only on a WebSocket connection');
    return c;
  };
  const list = (c: ReturnType<typeof connOf>) => (c.subscriptions === 'all' ? ['*'] : [...c.subscriptions].sort());
  d.register('subscribe', (params, ctx) => {
    const c = connOf(ctx.connId);
    const events = parseParams(Subscription, params).events ?? ['*'];
    if (events.includes('*')) c.subscriptions = 'all';
    else if (c.subscriptions !== 'all') for (const e of events) c.subscriptions.add(e);
    return { subscribed: list(c) };
  });
  d.register('unsubscribe', (params, ctx) => {
    const c = connOf(ctx.connId);
    const events = parseParams(Subscription, params).events ?? ['*'];
    if (events.includes('*')) c.subscriptions = new Set();
    else if (c.subscriptions !== 'all') for (const e of events) c.subscriptions.delete(e);
    return { subscribed: list(c) };
  });
}
