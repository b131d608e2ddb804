/**
 * HTTP capability: the Fastify app with the single front door (`installGate`), security headers,
 * JSON errors, and the REST routes. WebSocket routes come from the gateway capability.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import { AuthError, type Auth } from '../auth/index.js';
import type { Gateway } from '../gateway/index.js';
import { MAX_FRAME_BYTES, isClientFrameError } from '../gateway/index.js';
import { installGate, prepareResponse, type GateOptions } from './gate.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerRpcRoute } from './routes/rpc.js';
import { registerPublicRoutes } from './routes/public.js';
import { registerVaultRoutes } from './routes/vault.js';
import { registerEnvRoutes, type SecretsPort } from './routes/env.js';
import { registerUiRoutes } from './routes/ui.js';
import { registerPasskeyRoutes } from './routes/passkeys.js';
import { registerChannelRoutes, type ChannelCallbacks } from './routes/channels.js';
import { capConnections, installBodyDeadlines, serverTimeoutOptions, type ConnectionLimits } from './conn-limits.js';
import { createTrustedPeerCheck } from './client-ip.js';
import { answerPlainHttpOnTlsPort } from './plain-http.js';

export { isLocalConnection } from './locality.js';
export { createClientIpResolver } from './client-ip.js';
export { isSameOrigin, checkOrigin } from './origin.js';
export type { GateInfo } from './gate.js';
export type { SecretsPort } from './routes/env.js';
export type { ChannelCallbacks } from './routes/channels.js';
export type { ConnectionLimits } from './conn-limits.js';
export { startRedirectListener, type RedirectListener } from './plain-http.js';

/** Options of the HTTP app. */
export interface HttpOptions extends Omit<GateOptions, 'wsHasRoom' | 'vaultStatus' | 'failures'> {
  /** Secret storage for `/api/env` (the vault's kind-scoped secrets). */
  secrets: SecretsPort;
  gateway: Gateway;
  bind: string;
  https: { key: string; cert: string } | null;
  caPem: () => string | null;
  logger: FastifyServerOptions['logger'];
  /** Socket budget and deadlines of the listener (`[server]`). */
  limits: ConnectionLimits;
  /** Called with every registered route (`METHOD url`) so tests can check the policy table. */
  onRoute?: (method: string, url: string) => void;
  /** Platform callbacks of chat channels (Slack Events API). */
  channelCallbacks?: ChannelCallbacks;
  /** One plain line per client mistake worth a warning (e.g. an oversized WebSocket frame). */
  onClientError?: (line: string) => void;
}

/** Builds the Fastify app (not yet listening). */
export async function buildHttpApp(o: HttpOptions): Promise<FastifyInstance> {
  const timeouts = serverTimeoutOptions(o.limits);
  const app = Fastify({
    logger: o.logger,
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    requestTimeout: timeouts.requestTimeout,
    ...(o.https ? { https: { key: o.https.key, cert: o.https.cert, minVersion: 'TLSv1.2' as const, ...timeouts } } : { http: timeouts }),
    // Router-level errors skip every hook, the gate included: answer them with the same headers
    // and error shape, and without leaking the socket of an upgrade.
    frameworkErrors: (err: Error & { statusCode?: number; code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      prepareResponse(req, reply, o.https !== null);
      const status = err.statusCode ?? 500;
      if (status < 400 || status >= 500) return reply.code(500).type('application/json').send({ code: 'INTERNAL', error: 'internal error' });
      return reply.code(status).type('application/json').send({ code: err.code ?? 'BAD_REQUEST', error: err.message });
    },
  }) as unknown as FastifyInstance;

  // Plain HTTP on the TLS port gets a redirect (an error page behind a proxy), not a TLS alert.
  // Installed first: it takes over TLS's own connection listener.
  if (o.https) answerPlainHttpOnTlsPort(app.server, { mode: o.behindProxy ? 'refuse' : 'redirect', timeoutMs: o.limits.headersTimeoutMs });
  // Behind a proxy every client shares the proxy's address: its own limits apply there.
  const isTrustedPeer = createTrustedPeerCheck(o.trustedProxies);
  capConnections(app.server, { max: o.limits.maxConnections, maxPerIp: o.limits.maxConnectionsPerIp, exempt: (peer) => o.behindProxy && isTrustedPeer(peer) });

  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) o.onRoute?.(m, r.url);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err instanceof AuthError) {
      const retry = err.extra.retry_after_seconds;
      if (typeof retry === 'number') reply.header('retry-after', String(retry));
      return reply.code(err.status).send({ code: err.code, error: err.message, ...err.extra });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Body parse errors, wrong content type, too large: say what is wrong.
      return reply.code(err.statusCode).send({ code: err.code ?? 'BAD_REQUEST', error: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', error: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'NOT_FOUND', error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  installGate(app, { ...o, wsHasRoom: () => o.gateway.connections.hasRoom(), vaultStatus: () => o.auth.vaultStatus(), ...(o.gateway.failures ? { failures: o.gateway.failures } : {}) });
  installBodyDeadlines(app, { unauthenticatedBodyTimeoutMs: o.limits.unauthenticatedBodyTimeoutMs, keepProxyOpen: (peer) => o.behindProxy && isTrustedPeer(peer) });
  await app.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES },
    // A client's bad frame is its mistake: one plain warning line, not an error with a stack trace.
    errorHandler: (err, socket, req) => {
      if (isClientFrameError(err)) o.onClientError?.(`websocket from ${req.gate?.clientIp ?? req.ip} closed: ${err.message} (${(err as { code?: string }).code}; frames are limited to ${MAX_FRAME_BYTES / 1024} KiB)`);
      else req.log.error(err);
      socket.terminate();
    },
  });
  registerPublicRoutes(app, { caPem: o.caPem });
  registerAuthRoutes(app, { auth: o.auth as Auth, bind: o.bind });
  registerPasskeyRoutes(app, { auth: o.auth as Auth });
  registerRpcRoute(app, { dispatcher: o.gateway.dispatcher });
  registerVaultRoutes(app, { auth: o.auth });
  registerEnvRoutes(app, { secrets: o.secrets, auth: o.auth });
  registerUiRoutes(app);
  if (o.channelCallbacks) await registerChannelRoutes(app, o.channelCallbacks);
  o.gateway.registerRoutes(app);
  return app;
}
