/**
 * The front door's steps, one named guard each, run in order by `installGate`: each reads what
 * the gate learned about the request and returns a refusal or nothing. Still one front door,
 * readable top to bottom.
 */
import type { FastifyRequest } from 'fastify';
import { clearSessionCookie, type Auth, type AuthResult } from '../auth/index.js';
import { authorize, routeRequirement, VAULT_ROUTES, type Requirement } from '../policy/index.js';
import { checkOrigin } from './origin.js';
import type { Throttle } from './throttle.js';
import { classifyRequest } from './throttle.js';
import type { FailureThrottle } from '../gateway/index.js';

/** A refusal: status, JSON (or text) body, extra headers. */
export interface Refusal { status: number; body: Record<string, unknown> | string; headers?: Record<string, string> }

/** What every guard sees: the request, where it came from, who it is. */
export interface GuardInput {
  req: FastifyRequest;
  path: string;
  isUpgrade: boolean;
  clientIp: string;
  isLocal: boolean;
  /** Accounting key for throttles and bans: remote-looking traffic never spends local budgets. */
  accountKey: string;
  auth: AuthResult;
  /** Peer is a configured reverse proxy (forwarded headers are believed). */
  viaProxy: boolean;
  /** The route's requirement from the policy table. */
  requirement: Requirement;
  /** The browser reached us over HTTPS (directly or through a trusted proxy). */
  secure: boolean;
}

export type Guard = (g: GuardInput) => Refusal | undefined;

const refuse = (status: number, code: string, error: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Refusal =>
  ({ status, body: { code, error, ...extra }, ...(headers ? { headers } : {}) });

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every route's requirement from the one table (unknown routes need an identity first, so strangers cannot map the API). */
export function requirementOf(req: FastifyRequest): Requirement {
  const url = req.routeOptions.url;
  return url ? routeRequirement(req.method, url) : 'authenticated';
}

/**
 * Per-address request throttle. Authenticated callers skip the general limits (the brief's
 * bypass), but never the login limit (a valid key must not buy unlimited password guesses) nor
 * the platform callback limit (those requests are signed, not authenticated).
 */
export function throttleGuard(throttle: Throttle, enabled: boolean): Guard {
  return (g) => {
    if (!enabled) return undefined;
    const scope = classifyRequest(g.req.method, g.path);
    if (!scope || (g.auth.kind === 'allowed' && scope !== 'login' && scope !== 'callback')) return undefined;
    const t = throttle.check(g.accountKey, scope);
    if (t.allowed) return undefined;
    const headers = { 'retry-after': String(t.retryAfterSeconds) };
    if (g.path.startsWith('/api/')) return refuse(429, 'RATE_LIMITED', 'too many requests', { retry_after_seconds: t.retryAfterSeconds }, headers);
    return { status: 429, body: `too many requests, retry after ${t.retryAfterSeconds}s`, headers };
  };
}

/** CSWSH / CSRF: every WS upgrade and every state-changing browser request must be same-origin. */
export function originGuard(allowedOrigins: readonly string[], listenerScheme: 'http' | 'https'): Guard {
  return (g) => {
    if (!g.isUpgrade && (SAFE_METHODS.has(g.req.method) || g.req.headers.origin === undefined)) return undefined;
    const c = checkOrigin({ origin: g.req.headers.origin, headers: g.req.headers, listenerScheme, behindProxy: g.viaProxy, allowedOrigins: [...allowedOrigins] });
    if (c.ok) return undefined;
    g.req.log.warn({ origin: g.req.headers.origin, host: g.req.headers.host, peer: g.req.socket.remoteAddress }, 'cross-origin request rejected');
    if (g.isUpgrade) return { status: 403, body: 'cross-origin WebSocket connections are not allowed' };
    return refuse(403, 'ORIGIN_REJECTED', 'cross-origin requests are not allowed');
  };
}

/**
 * A presented credential binds (invariant 1): a wrong, revoked or expired one is refused on every
 * route that needs an identity — never read as "no credential", which on loopback would be full
 * access — and counts against the login guard like a wrong password.
 */
export function credentialGuard(auth: Auth): Guard {
  return (g) => {
    if (g.requirement === 'public' || g.auth.kind !== 'invalid_credential') return undefined;
    const ctx = { clientIp: g.clientIp, isLocal: g.isLocal };
    try { auth.assertNotBlocked(ctx); } catch (err) {
      const secs = Number((err as { extra?: { retry_after_seconds?: unknown } }).extra?.retry_after_seconds ?? 60);
      return refuse(429, 'LOGIN_BLOCKED', 'too many failed attempts from this address — try again later', { retry_after_seconds: secs }, { 'retry-after': String(secs) });
    }
    auth.recordCredentialFailure(g.auth.credential, ctx);
    if (g.auth.credential === 'session') {
      // The browser cannot drop an HttpOnly cookie itself: clear it, so its next request is judged without it.
      return refuse(401, 'AUTH_SESSION_EXPIRED', 'your session has expired or was ended: log in again', {}, { 'set-cookie': clearSessionCookie({ secure: g.secure }) });
    }
    return refuse(401, 'AUTH_INVALID_KEY', 'the API key is not valid (unknown, revoked or malformed): create a new one with `moltis auth create-api-key`');
  };
}

/**
 * A credential whose requests kept being refused (scope, unknown method, bad requests) waits out
 * its throttle on every non-public route, before the route does any work.
 */
export function failureGuard(failures: FailureThrottle): Guard {
  return (g) => {
    if (g.requirement === 'public' || g.auth.kind !== 'allowed') return undefined;
    const wait = failures.retryAfterMs(g.auth.identity);
    if (wait === 0) return undefined;
    const secs = Math.ceil(wait / 1000);
    return refuse(429, 'RATE_LIMITED', `too many refused requests from this credential: retry after ${secs}s`, { retry_after_seconds: secs }, { 'retry-after': String(secs) });
  };
}

/** The route's requirement from the policy table against the identity (fail closed: unlisted routes need admin). */
export function requirementGuard(wsHasRoom: () => boolean): Guard {
  return (g) => {
    const { auth, requirement } = g;
    if (requirement === 'public') return undefined;
    if (auth.kind === 'setup_required') return refuse(401, 'AUTH_SETUP_REQUIRED', 'setup required: open the gateway from this machine, or complete setup with the setup code printed in the server console');
    if (auth.kind === 'forbidden') return refuse(403, 'AUTH_KEY_NO_SCOPES', auth.message);
    if (requirement === 'connect') {
      if (!g.isUpgrade) return refuse(426, 'UPGRADE_REQUIRED', 'this endpoint speaks WebSocket only');
      if (!wsHasRoom()) return refuse(503, 'UNAVAILABLE', 'too many WebSocket connections; try again later');
      return undefined; // an unauthenticated upgrade may still authenticate in its `connect` frame
    }
    if (auth.kind !== 'allowed') return refuse(401, 'AUTH_NOT_AUTHENTICATED', 'not authenticated: log in, or send Authorization: Bearer mk_…');
    if (requirement === 'authenticated') return undefined;
    const a = authorize(requirement, auth.identity.scopes);
    // Fail closed: any route whose scope the identity lacks is refused, naming the scope.
    if (!a.ok) return refuse(403, 'INSUFFICIENT_SCOPE', `insufficient scope: ${a.missing} required`, { missing_scope: a.missing });
    return undefined;
  };
}

/** Vault guard, after authentication and scope: only a caller allowed to use the route learns the vault's state. */
export function vaultGuard(vaultStatus: () => 'uninitialized' | 'sealed' | 'unsealed'): Guard {
  return (g) => {
    const url = g.req.routeOptions.url;
    if (!url || !VAULT_ROUTES.has(`${g.req.method} ${url}`)) return undefined;
    const v = vaultStatus();
    if (v === 'sealed') return { status: 423, body: { error: 'vault is sealed', status: 'sealed', code: 'VAULT_SEALED', hint: 'log in with the password, or POST /api/auth/vault/unlock {password} (or /recovery {recovery_key})' } };
    if (v === 'uninitialized') return refuse(409, 'VAULT_NOT_INITIALIZED', 'the vault is not initialized: set a password first (setup), then store secrets', { status: 'uninitialized' });
    return undefined;
  };
}
