import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth, AuthResult, Identity } from '../auth/index.js';
import { authorize, routeRequirement, VAULT_ROUTES } from '../policy/index.js';
import { createClientIpResolver, createTrustedPeerCheck } from './client-ip.js';
import { checkOrigin } from './origin.js';
import { isLocalConnection } from './locality.js';
import { classifyRequest, createThrottle } from './throttle.js';
import { setSecurityHeaders } from './headers.js';

/** What the gate learned about a request; handlers read it and never re-derive identity. */
export interface GateInfo {
  clientIp: string; isLocal: boolean; auth: AuthResult; identity: Identity | null; secure: boolean;
  /** Counts a credential guess made later on this connection (WS `connect`) against the login throttle. */
  chargeLoginAttempt: () => { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

declare module 'fastify' {
  interface FastifyRequest { gate: GateInfo }
}

/** Options of the front door. */
export interface GateOptions {
  auth: Auth;
  tls: boolean;
  behindProxy: boolean;
  trustedProxies: readonly string[];
  allowedOrigins: readonly string[];
  throttle: { enabled: boolean; limits: Parameters<typeof createThrottle>[0]['limits']; maxBuckets: number };
  now: () => number;
  /** The vault's state, for routes that need a secret. */
  vaultStatus: () => 'uninitialized' | 'sealed' | 'unsealed';
  /** Refuses a WebSocket upgrade when the connection table is full (bounded memory). */
  wsHasRoom: () => boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function deny(reply: FastifyReply, status: number, code: string, error: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).type('application/json').send({ code, error, ...extra });
}

/**
 * First thing done for every response, including the ones Fastify answers before any hook runs
 * (bad URL, over-long parameter): security headers, `x-request-id`, and closing an upgrade
 * socket once its plain-HTTP answer is written.
 */
export function prepareResponse(req: FastifyRequest, reply: FastifyReply, tls: boolean): { path: string; isUpgrade: boolean } {
  const path = req.url.split('?')[0] ?? '/';
  const isApi = path.startsWith('/api/') || path.startsWith('/ws');
  setSecurityHeaders(reply, { tls, host: req.headers.host, api: isApi });
  reply.header('x-request-id', req.id);
  const isUpgrade = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  // Threat: an upgrade answered with plain HTTP (refused by the gate, throttled, bad URL) has left
  // node's HTTP machinery paused, so not even the client's FIN is read and the socket lives until
  // the process exits (and blocks shutdown). @fastify/websocket only reaps sockets its own, later
  // onRequest hook saw. An accepted upgrade is hijacked and never finishes this response.
  // `raw.upgrade`: node routed it as an upgrade (any `Upgrade` value, e.g. h2c), so it is paused too.
  if (isUpgrade || (req.raw as { upgrade?: boolean }).upgrade === true) {
    reply.header('connection', 'close');
    reply.raw.once('finish', () => req.raw.socket.destroy());
  }
  return { path, isUpgrade };
}

/**
 * Installs the single front door as the first `onRequest` hook: security headers → client IP
 * and locality → `checkAuth` → throttle (unauthenticated traffic only) → origin check →
 * route policy. Every HTTP request and every WebSocket upgrade passes here.
 */
export function installGate(app: FastifyInstance, o: GateOptions): void {
  const resolveIp = createClientIpResolver({ behindProxy: o.behindProxy, trustedProxies: [...o.trustedProxies] });
  const throttle = createThrottle({ limits: o.throttle.limits, maxBuckets: o.throttle.maxBuckets, now: o.now });
  const isTrustedPeer = createTrustedPeerCheck(o.trustedProxies);
  const noCharge = () => ({ allowed: true as const });
  app.decorateRequest('gate', null as unknown as GateInfo);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const { path, isUpgrade } = prepareResponse(req, reply, o.tls);

    const peer = req.socket.remoteAddress;
    const clientIp = resolveIp(peer, req.headers);
    const isLocal = isLocalConnection({ behindProxy: o.behindProxy, headers: req.headers, peerAddress: peer });
    const auth = o.auth.checkAuth(req.headers, isLocal);
    // X-Forwarded-Host/-Proto are believed only from a configured proxy, like X-Forwarded-For.
    const viaProxy = o.behindProxy && isTrustedPeer(peer);
    const proto = viaProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase() : '';
    req.gate = {
      clientIp, isLocal, auth, identity: auth.kind === 'allowed' ? auth.identity : null, secure: o.tls || proto === 'https',
      chargeLoginAttempt: o.throttle.enabled ? () => throttle.check(clientIp, 'login') : noCharge,
    };

    // Throttle only traffic that is not already authenticated (seed: bypass for valid
    // credentials, disabled auth and Tier-2 local access).
    if (o.throttle.enabled && auth.kind !== 'allowed') {
      const scope = classifyRequest(req.method, path);
      if (scope) {
        const t = throttle.check(clientIp, scope);
        if (!t.allowed) {
          reply.header('retry-after', String(t.retryAfterSeconds));
          if (path.startsWith('/api/')) return deny(reply, 429, 'RATE_LIMITED', 'too many requests', { retry_after_seconds: t.retryAfterSeconds });
          return reply.code(429).type('text/plain').send(`too many requests, retry after ${t.retryAfterSeconds}s`);
        }
      }
    }

    // CSWSH / CSRF: every WS upgrade and every state-changing browser request must be same-origin.
    if (isUpgrade || (!SAFE_METHODS.has(req.method) && req.headers.origin !== undefined)) {
      const c = checkOrigin({ origin: req.headers.origin, headers: req.headers, listenerScheme: o.tls ? 'https' : 'http', behindProxy: viaProxy, allowedOrigins: [...o.allowedOrigins] });
      if (!c.ok) {
        req.log.warn({ origin: req.headers.origin, host: req.headers.host, peer }, 'cross-origin request rejected');
        if (isUpgrade) return reply.code(403).type('text/plain').send('cross-origin WebSocket connections are not allowed');
        return deny(reply, 403, 'ORIGIN_REJECTED', 'cross-origin requests are not allowed');
      }
    }

    // Unknown routes (404s) need an identity first, so strangers cannot map the API.
    const url = req.routeOptions.url;
    const requirement = url ? routeRequirement(req.method, url) : 'authenticated';
    if (requirement === 'public') return;
    if (auth.kind === 'setup_required') return deny(reply, 401, 'AUTH_SETUP_REQUIRED', 'setup required: open the gateway from this machine, or complete setup with the setup code printed in the server console');
    if (auth.kind === 'forbidden') return deny(reply, 403, 'AUTH_KEY_NO_SCOPES', auth.message);
    if (requirement === 'connect') {
      if (!isUpgrade) return deny(reply, 426, 'UPGRADE_REQUIRED', 'this endpoint speaks WebSocket only');
      if (!o.wsHasRoom()) return deny(reply, 503, 'UNAVAILABLE', 'too many WebSocket connections; try again later');
      return; // an unauthenticated upgrade may still authenticate in its `connect` frame
    }
    if (auth.kind === 'unauthorized') return deny(reply, 401, 'AUTH_NOT_AUTHENTICATED', 'not authenticated: log in, or send Authorization: Bearer mk_…');
    if (requirement === 'authenticated') return;
    const a = authorize(requirement, auth.identity.scopes);
    // Fail closed: any route whose scope the identity lacks is refused, naming the scope.
    if (!a.ok) return deny(reply, 403, 'INSUFFICIENT_SCOPE', `insufficient scope: ${a.missing} required`, { missing_scope: a.missing });
    // Vault guard, after authentication and scope: only a caller allowed to use the route learns the vault's state.
    if (url && VAULT_ROUTES.has(`${req.method} ${url}`)) {
      const v = o.vaultStatus();
      if (v === 'sealed') return reply.code(423).type('application/json').send({ error: 'vault is sealed', status: 'sealed', code: 'VAULT_SEALED', hint: 'log in with the password, or POST /api/auth/vault/unlock {password} (or /recovery {recovery_key})' });
      if (v === 'uninitialized') return deny(reply, 409, 'VAULT_NOT_INITIALIZED', 'the vault is not initialized: set a password first (setup), then store secrets', { status: 'uninitialized' });
    }
  });
}
