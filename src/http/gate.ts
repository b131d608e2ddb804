import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth, AuthResult } from '../auth/index.js';
import type { Identity } from '../policy/index.js';
import type { FailureThrottle } from '../gateway/index.js';
import { createClientIpResolver, createTrustedPeerCheck } from './client-ip.js';
import { isLocalConnection, type LoopbackChecks } from './locality.js';
import { isLoopbackAddress, isLoopbackHost } from '../net/index.js';
import { createThrottle } from './throttle.js';
import { setSecurityHeaders } from './headers.js';
import { credentialGuard, failureGuard, originGuard, requirementGuard, requirementOf, throttleGuard, vaultGuard, type Guard, type GuardInput } from './guards.js';

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
  /** Throttles a credential whose requests keep being refused (shared with RPC; absent: off). */
  failures?: FailureThrottle;
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
 * and locality → `checkAuth` → then the guards in order: throttle, origin, presented credential,
 * route requirement, vault. Every HTTP request and every WebSocket upgrade passes here.
 */
/**
 * What a request's connection says about it, worked out once per connection: a keep-alive
 * client's peer address never changes, and its Host header rarely does. Pure functions of their
 * inputs, so memoizing them changes no decision (the inputs are compared on every request).
 */
interface PeerFacts { peer: string | undefined; clientIp: string | null; checks: LoopbackChecks }

/** Per-connection memo of the address tests (held by the socket: bounded by open connections). */
function peerFacts(memo: WeakMap<object, PeerFacts>, socket: object, peer: string | undefined): PeerFacts {
  const known = memo.get(socket);
  if (known !== undefined && known.peer === peer) return known;
  let loopback: boolean | null = null;
  let host: string | null = null;
  let hostLoopback = false;
  const f: PeerFacts = {
    peer, clientIp: null,
    checks: {
      address: (ip) => (ip === peer ? (loopback ??= isLoopbackAddress(ip)) : isLoopbackAddress(ip)),
      host: (h) => { if (h !== host) { hostLoopback = isLoopbackHost(h); host = h; } return hostLoopback; },
    },
  };
  memo.set(socket, f);
  return f;
}

export function installGate(app: FastifyInstance, o: GateOptions): void {
  const resolveIp = createClientIpResolver({ behindProxy: o.behindProxy, trustedProxies: [...o.trustedProxies] });
  const throttle = createThrottle({ limits: o.throttle.limits, maxBuckets: o.throttle.maxBuckets, now: o.now });
  const isTrustedPeer = createTrustedPeerCheck(o.trustedProxies);
  const guards: readonly Guard[] = [
    throttleGuard(throttle, o.throttle.enabled),
    originGuard(o.allowedOrigins, o.tls ? 'https' : 'http'),
    credentialGuard(o.auth),
    ...(o.failures ? [failureGuard(o.failures)] : []),
    requirementGuard(o.wsHasRoom),
    vaultGuard(o.vaultStatus),
  ];
  app.decorateRequest('gate', null as unknown as GateInfo);

  const memo = new WeakMap<object, PeerFacts>();
  // Callback style: an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const { path, isUpgrade } = prepareResponse(req, reply, o.tls);
    const peer = req.socket.remoteAddress;
    const facts = peerFacts(memo, req.socket, peer);
    // Not behind a proxy, the client is the peer whatever the headers say: once per connection.
    const clientIp = o.behindProxy ? resolveIp(peer, req.headers) : (facts.clientIp ??= resolveIp(peer, req.headers));
    const isLocal = isLocalConnection({ behindProxy: o.behindProxy, headers: req.headers, peerAddress: peer, checks: facts.checks });
    const accountKey = `${isLocal ? 'local' : 'remote'} ${clientIp}`;
    const auth = o.auth.checkAuth(req.headers, isLocal);
    // X-Forwarded-Host/-Proto are believed only from a configured proxy, like X-Forwarded-For.
    const viaProxy = o.behindProxy && isTrustedPeer(peer);
    const proto = viaProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase() : '';
    const secure = o.tls || proto === 'https';
    req.gate = {
      clientIp, isLocal, auth, identity: auth.kind === 'allowed' ? auth.identity : null, secure,
      chargeLoginAttempt: () => (o.throttle.enabled ? throttle.check(accountKey, 'login') : { allowed: true }),
    };
    const input: GuardInput = { req, path, isUpgrade, clientIp, isLocal, accountKey, auth, viaProxy, secure, requirement: requirementOf(req) };
    for (const guard of guards) {
      const r = guard(input);
      if (!r) continue;
      // A known caller refused for its scope has failed a request: it counts towards its throttle.
      if (o.failures && auth.kind === 'allowed' && r.status === 403 && (r.body as { code?: unknown }).code === 'INSUFFICIENT_SCOPE') o.failures.fail(auth.identity, clientIp);
      for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
      // Answered here: `done` is not called, so nothing after the gate runs.
      if (typeof r.body === 'string') { reply.code(r.status).type('text/plain').send(r.body); return; }
      reply.code(r.status).type('application/json').send(r.body);
      return;
    }
    done();
  });
}
