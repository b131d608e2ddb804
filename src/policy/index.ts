/**
 * THE authorization table. Every RPC method and REST route has exactly one entry here; anything
 * not listed needs `operator.admin` (default deny). A system test enumerates all registered
 * routes and methods and fails on a missing entry.
 */
import { ADMIN, type Scope } from './scopes.js';

export { SCOPES, ADMIN, isScope, type Scope } from './scopes.js';
export { ALL_SCOPES, ownerIdentity, actorOf, type Identity, type AuthMethod } from './identity.js';
export { CRON_SESSION_PREFIX, isCronSession } from './sessions.js';
export { CHANNEL_LEVELS, CHANNEL_SESSION_PREFIXES, channelTurnPolicy, isChannelLevel, isChannelSession, lowerLevel, type ChannelLevel, type ChannelTurnPolicy } from './channels.js';
import { isChannelSession } from './channels.js';

/**
 * What a route needs:
 * - `public`: no identity (login, status, health, CA download);
 * - `connect`: a WebSocket upgrade; the identity may also arrive in the `connect` frame;
 * - `authenticated`: any valid identity (`/api/rpc`, whose methods are checked per call, and `whoami`);
 * - a scope: the identity must hold it (read is also satisfied by write; admin satisfies all).
 */
export type Requirement = 'public' | 'connect' | 'authenticated' | Scope;

/** RPC methods → scope. */
export const METHOD_POLICY: Readonly<Record<string, Scope>> = Object.freeze({
  health: 'operator.read',
  status: 'operator.read',
  'auth.whoami': 'operator.read',
  'sessions.list': 'operator.read',
  'sessions.create': 'operator.write',
  'exec.approval.list': 'operator.approvals',
  'exec.approval.resolve': 'operator.approvals',
  'node.pairing.status': 'operator.pairing',
  'auth.audit.list': 'operator.admin',
  'audit.list': 'operator.admin', // IP addresses and credential names
  'audit.types': 'operator.admin',
  'audit.verify': 'operator.admin', // walks the whole log: not for every reader
  'security.alerts.list': 'operator.read',
  'security.alerts.ack': 'operator.write',
  'sessions.delete': 'operator.write',
  'sessions.rename': 'operator.write',
  'sessions.set_model': 'operator.write',
  'chat.send': 'operator.write',
  'chat.abort': 'operator.write',
  'chat.history': 'operator.read',
  'identity.get': 'operator.read',
  // Seed "Identity Protection": changing who the agent is needs write, never read.
  'identity.update': 'operator.write',
  'models.list': 'operator.read',
  'providers.list': 'operator.read',
  'providers.available': 'operator.read',
  // Connecting a model stores a credential or decides where turns (and their data) are sent.
  'providers.save_key': 'operator.admin',
  'providers.add_custom': 'operator.admin',
  'providers.remove_key': 'operator.admin',
  'providers.validate_key': 'operator.admin',
  'providers.save_model': 'operator.admin',
  'hooks.list': 'operator.admin', // hooks run commands on the host: managing them is admin-only
  'network.audit.list': 'operator.read',
  'network.audit.tail': 'operator.read',
  'network.audit.stats': 'operator.read',
  'sandbox.status': 'operator.read',
  // Scheduled jobs (brief: read = list jobs, write = create jobs); a job then acts with at most its creator's scopes.
  'cron.list': 'operator.read',
  'cron.status': 'operator.read',
  'cron.runs': 'operator.read',
  'cron.add': 'operator.write',
  'cron.update': 'operator.write',
  'cron.remove': 'operator.write',
  'cron.run': 'operator.write',
  // Chat channels: accounts hold bot tokens and approving a sender grants access to the agent,
  // so both are credential management (admin); reading them never returns a secret.
  'channels.list': 'operator.read',
  'channels.status': 'operator.read',
  'channels.add': 'operator.admin',
  'channels.update': 'operator.admin',
  'channels.remove': 'operator.admin',
  'channels.senders.list': 'operator.read',
  'channels.senders.approve': 'operator.admin',
  'channels.senders.deny': 'operator.admin',
  'channels.senders.revoke': 'operator.admin',
  subscribe: 'operator.read',
  unsubscribe: 'operator.read',
});

/** REST routes (`METHOD path` as registered) → requirement. */
export const ROUTE_POLICY: Readonly<Record<string, Requirement>> = Object.freeze({
  'GET /health': 'public',
  'GET /certs/ca.pem': 'public',
  'GET /api/auth/status': 'public',
  'GET /api/auth/whoami': 'authenticated', // any identity may see its own method and scopes
  'POST /api/auth/setup': 'public', // gated by the setup code inside
  'POST /api/auth/login': 'public', // gated by the login guard inside
  'POST /api/auth/logout': 'public',
  'POST /api/auth/password/change': 'operator.admin',
  'GET /api/auth/api-keys': 'operator.admin',
  'POST /api/auth/api-keys': 'operator.admin',
  'DELETE /api/auth/api-keys/:id': 'operator.admin',
  'POST /api/auth/reset': 'operator.admin',
  'GET /api/auth/audit': 'operator.admin',
  'POST /api/auth/passkey/register/begin': 'operator.admin',
  'POST /api/auth/passkey/register/finish': 'operator.admin',
  'POST /api/auth/passkey/auth/begin': 'public',
  'POST /api/auth/passkey/auth/finish': 'public', // gated by the login guard inside
  'POST /api/auth/setup/passkey/register/begin': 'public', // gated by the setup code inside
  'POST /api/auth/setup/passkey/register/finish': 'public', // gated by the setup code inside
  'GET /api/auth/passkeys': 'operator.admin',
  'PATCH /api/auth/passkeys/:id': 'operator.admin',
  'DELETE /api/auth/passkeys/:id': 'operator.admin',
  'GET /api/auth/vault/status': 'operator.admin',
  'POST /api/auth/vault/unlock': 'operator.admin',
  'POST /api/auth/vault/recovery': 'operator.admin',
  'POST /api/auth/vault/initialize': 'operator.admin',
  'GET /api/env': 'operator.admin',
  'POST /api/env': 'operator.admin',
  'DELETE /api/env/:id': 'operator.admin',
  'POST /api/rpc': 'authenticated', // each method is checked against METHOD_POLICY
  // Web UI: the page and its hashed bundle hold no data; every API call the page makes is authenticated.
  'GET /': 'public',
  'GET /login': 'public',
  'GET /onboarding': 'public',
  'GET /chat': 'public',
  'GET /cron': 'public',
  'GET /audit': 'public',
  'GET /settings': 'public',
  'GET /settings/*': 'public',
  'GET /assets/:file': 'public',
  // Slack Events API callbacks: signed by Slack, not authenticated; throttled per IP, then the
  // account's signing secret (HMAC, constant time) and timestamp are checked inside.
  'POST /api/channels/slack/:account/events': 'public',
  'POST /api/channels/slack/:account/interactions': 'public',
  'POST /api/channels/slack/:account/commands': 'public',
  'POST /api/channels/telegram/:account/webhook': 'public', // the secret token header is checked inside
  'GET /ws': 'connect',
  'GET /ws/chat': 'connect',
});

/**
 * Routes and methods that need a secret from the vault: while the vault is sealed they answer
 * 423 Locked (checked after authentication, so anonymous callers learn nothing). Everything
 * else keeps working while sealed.
 */
export const VAULT_ROUTES: ReadonlySet<string> = new Set(['POST /api/env']);
export const VAULT_METHODS: ReadonlySet<string> = new Set<string>(['providers.save_key', 'channels.add']);

/** Events that only holders of a scope may receive. Other events go to every subscriber. */
export const EVENT_POLICY: Readonly<Record<string, Scope>> = Object.freeze({
  'auth.audit': 'operator.admin',
  'vault.status': 'operator.admin',
  chat: 'operator.read',
  agent: 'operator.read',
  'identity.updated': 'operator.read',
  'sessions.changed': 'operator.read',
  'providers.changed': 'operator.read',
  'network.audit.entry': 'operator.read',
  'security.alert': 'operator.read',
  // Brief: "monitor these events to detect suspicious automated job creation".
  'cron.job.created': 'operator.read',
  'cron.job.updated': 'operator.read',
  'cron.job.removed': 'operator.read',
  'cron.run.started': 'operator.read',
  'cron.run.finished': 'operator.read',
  'exec.approval.requested': 'operator.approvals',
  'exec.approval.resolved': 'operator.approvals',
  'channel.sender.pending': 'operator.read',
  'channel.sender.approved': 'operator.read',
  'channel.sender.denied': 'operator.read',
  'channel.sender.revoked': 'operator.read',
  'channel.sender.dropped': 'operator.read',
  'channel.account.status': 'operator.read',
  // A self-approval code is a credential: only admins see it (the original broadcast it to all).
  'channel.sender.otp': 'operator.admin',
});

/** The requirement of a route; unlisted routes need admin (fail closed). */
export function routeRequirement(method: string, url: string): Requirement {
  return ROUTE_POLICY[`${method} ${url}`] ?? ADMIN;
}

/** The scope an RPC method needs; unlisted methods need admin (fail closed). */
export function methodScope(method: string): Scope {
  return Object.hasOwn(METHOD_POLICY, method) ? METHOD_POLICY[method]! : ADMIN;
}

/** Does a holder of `scopes` satisfy `needed`? Returns the missing scope when not. */
export function authorize(needed: Scope, scopes: readonly string[]): { ok: true } | { ok: false; missing: Scope } {
  if (scopes.includes(ADMIN)) return { ok: true };
  if (scopes.includes(needed)) return { ok: true };
  // Read methods accept a write-scoped identity (write implies read).
  if (needed === 'operator.read' && scopes.includes('operator.write')) return { ok: true };
  return { ok: false, missing: needed };
}

/** May a holder of `scopes` receive `event`? */
export function canReceiveEvent(event: string, scopes: readonly string[]): boolean {
  const needed = EVENT_POLICY[event];
  return needed === undefined || authorize(needed, scopes).ok;
}

/**
 * Session isolation (seed "Channel Isolation"): sessions opened by a chat channel (keys starting
 * with one of CHANNEL_SESSION_PREFIXES) belong to that channel; from the operator side only
 * admins may read or drive them. Every other session is visible to any holder of operator.read.
 */
export function canSeeSession(sessionKey: string, scopes: readonly string[]): boolean {
  if (isChannelSession(sessionKey)) return scopes.includes(ADMIN);
  return authorize('operator.read', scopes).ok;
}

/** Field names under which an event payload names the session it concerns (any of them, any event). */
const SESSION_FIELDS: readonly string[] = ['sessionKey', 'session_key', 'session', 'key'];

/**
 * Every session an event payload refers to: string values of the session fields at the top level
 * and one object level down (`{ job: { sessionKey } }`). Filtering on all of them means a new
 * event cannot leak a hidden session by naming its field differently.
 */
export function eventSessionKeys(payload: unknown): string[] {
  const out: string[] = [];
  const scan = (o: unknown, depth: number) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && SESSION_FIELDS.includes(k)) out.push(v);
      else if (depth > 0 && v !== null && typeof v === 'object') scan(v, depth - 1);
    }
  };
  scan(payload, 1);
  return out;
}

/**
 * May a holder of `scopes` receive this event with this payload? Its scope, and every session it
 * names. Approval events are the exception by design: answering a request is what
 * `operator.approvals` is for, so its holder sees the request whichever session raised it
 * (channel turns' requests must reach the owner's approvers).
 */
export function canReceive(event: string, payload: unknown, scopes: readonly string[]): boolean {
  if (!canReceiveEvent(event, scopes)) return false;
  if (EVENT_POLICY[event] === 'operator.approvals') return true;
  return eventSessionKeys(payload).every((k) => canSeeSession(k, scopes));
}
