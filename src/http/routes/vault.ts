import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sessionCookie, type Auth } from '../../auth/index.js';

type Body = Record<string, unknown>;
const body = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});
const ctx = (req: FastifyRequest) => ({ clientIp: req.gate.clientIp, isLocal: req.gate.isLocal });

/** `/api/auth/vault/*`: status, unlock, recovery, initialize — admin only (policy table), audited. */
export function registerVaultRoutes(app: FastifyInstance, deps: { auth: Auth }): void {
  const flows = deps.auth.vaultFlows;
  app.get('/api/auth/vault/status', async () => flows.status());
  app.post('/api/auth/vault/unlock', async (req) => flows.unlock(body(req).password, ctx(req)));
  app.post('/api/auth/vault/recovery', async (req, reply) => {
    const r = await flows.recovery(body(req), ctx(req));
    if (r.session) reply.header('set-cookie', sessionCookie(r.session.token, { secure: req.gate.secure, maxAgeSeconds: r.session.maxAgeSeconds }));
    return { ok: true, status: r.status };
  });
  app.post('/api/auth/vault/initialize', async (req) => flows.initialize(body(req).password, ctx(req)));
}
