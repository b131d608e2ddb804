/**
 * WebSocket gateway: `/ws/chat` (browser) and `/ws` (API clients), the `connect` handshake,
 * the RPC dispatcher shared with `POST /api/rpc`, and event fan-out filtered by scope.
 */
import type { FastifyInstance } from 'fastify';
import { isRevokedBy, type Auth, type RevokedEvent } from '../auth/index.js';
import type { EventBus } from '../events/index.js';
import type { Store } from '../store/index.js';
import { canReceive } from '../policy/index.js';
import { createDispatcher, type CallContext } from './dispatcher.js';
import { createConnections, hangUp, sendFrame, type Conn } from './connections.js';
import { registerCoreMethods, registerSubscriptionMethods } from './methods.js';
import { CLOSE_REVOKED, handleSocket } from './ws.js';
import { HANDSHAKE_TIMEOUT_MS } from './frames.js';
import { createExpirySweep } from './expiry.js';
import { createFailureThrottle, type FailureLimit } from './failures.js';

export { createDispatcher, type Dispatcher, type CallContext, type MethodHandler } from './dispatcher.js';
export { RpcError, PROTOCOL_VERSION, MAX_PAYLOAD_BYTES, MAX_FRAME_BYTES, type ResponseFrame, type ErrorCode } from './frames.js';
export { parseParams } from './methods.js';
export { CLOSE_REVOKED, CLOSE_POLICY, isClientFrameError } from './ws.js';
export { createFailureThrottle, COUNTED_FAILURES, type FailureThrottle, type FailureLimit } from './failures.js';

/** Options of the gateway. */
export interface GatewayOptions {
  auth: Auth; store: Store; bus: EventBus; now: () => number; startedAt: number;
  version: string; hostname: string; tls: boolean; maxConnections: number;
  /** How long a socket may stay open without a `connect` frame (default 10 s). */
  handshakeTimeoutMs?: number;
  /** How often open sockets' credentials are re-checked for expiry (default 5 s). */
  expirySweepMs?: number;
  onError: (err: unknown, where: string) => void;
  /** Told about every call refused for a missing scope (default: one audit entry each). */
  onDenied?: (method: string, missing: string, ctx: CallContext) => void;
  /** Throttle a credential after this many refused requests in a window (REST and WS; absent: off). */
  failureLimit?: FailureLimit;
}

/** Builds the gateway; call `registerRoutes` on the Fastify app (after @fastify/websocket). */
export function createGateway(o: GatewayOptions) {
  const conns = createConnections({ max: o.maxConnections });
  // One entry per throttling, whatever the number of requests refused (the log cannot be flooded).
  const failures = o.failureLimit ? createFailureThrottle({
    ...o.failureLimit, now: o.now,
    onThrottled: (actor, ip, n, forMs) => o.auth.audit('request_failures_throttled', ip, JSON.stringify({ failures: n, window_secs: Math.round(o.failureLimit!.windowMs / 1000), throttled_secs: Math.round(forMs / 1000) }), actor),
  }) : undefined;
  const dispatcher = createDispatcher({
    ...(failures ? { failures } : {}),
    onError: o.onError,
    vaultStatus: () => o.auth.vaultStatus(),
    // Scope denials are security events; identity changes get their own name (seed: Identity Protection).
    onDenied: o.onDenied ?? ((method, missing, ctx) => o.auth.audit(method.startsWith('identity.') && method !== 'identity.get' ? 'identity_modification_denied' : 'scope_denied', ctx.clientIp, `method=${method} missing=${missing}${ctx.identity.apiKeyId !== undefined ? ` key=${ctx.identity.apiKeyId}` : ''}`)),
  });
  registerCoreMethods(dispatcher, { auth: o.auth, store: o.store, bus: o.bus, now: o.now, startedAt: o.startedAt, version: o.version, tls: o.tls, connections: conns.size });

  registerSubscriptionMethods(dispatcher, conns);

  const matchesRevocation = (c: Conn, r: RevokedEvent) => c.identity !== null && isRevokedBy(c.identity, r);
  // Sessions end by the clock too (idle, absolute): their sockets close then, not at their next frame.
  const expiry = createExpirySweep({
    conns, now: o.now, code: CLOSE_REVOKED, onError: o.onError,
    isLive: (c) => o.auth.isIdentityLive(c.identity!, c.isLocal),
    expiresAt: (c) => (c.identity?.sessionId === undefined ? null : o.store.auth.sessionById(c.identity.sessionId)?.expires_at ?? null),
    ...(o.expirySweepMs !== undefined ? { everyMs: o.expirySweepMs } : {}),
  });
  const unsubscribe = o.bus.subscribe(({ event, payload }) => {
    // Dead credentials take their sockets with them (the original left them open).
    if (event === 'auth.revoked') { conns.closeWhere((c) => matchesRevocation(c, payload as RevokedEvent), CLOSE_REVOKED, (payload as RevokedEvent).reason); return; }
    for (const c of conns.all()) {
      // The event's scope, and every session it names (whatever the field), must be visible to the caller.
      if (!c.identity || !canReceive(event, payload, c.identity.scopes)) continue;
      if (c.subscriptions !== 'all' && !c.subscriptions.has(event)) continue;
      // Sequence numbers count per connection, so gaps never reveal how many events were held back.
      sendFrame(c, { type: 'event', event, payload, seq: ++c.seq });
    }
  });

  return {
    dispatcher,
    /** The refused-request throttle shared by REST routes (the gate) and RPC (absent: off). */
    failures,
    connections: conns,
    registerRoutes(app: FastifyInstance): void {
      const deps = { auth: o.auth, dispatcher, conns, version: o.version, hostname: o.hostname, handshakeTimeoutMs: o.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS };
      app.get('/ws', { websocket: true }, (socket, req) => handleSocket(socket, req, deps));
      app.get('/ws/chat', { websocket: true }, (socket, req) => handleSocket(socket, req, deps));
    },
    close(): void {
      unsubscribe();
      expiry.close();
      for (const c of conns.all()) { sendFrame(c, { type: 'event', event: 'shutdown', payload: {} }); hangUp(c.socket, 1001, 'server shutting down'); }
    },
  };
}
export type Gateway = ReturnType<typeof createGateway>;
