import type { FastifyInstance } from 'fastify';
import type { Auth } from '../../auth/index.js';
import { body, ctx, setSessionCookie } from './common.js';

/** `/api/auth/vault/*`: status, unlock, recovery, initialize — admin only (policy table), audited. */
export function registerVaultRoutes(app: FastifyInstance, deps: { auth: Auth }): void {
  const flows = deps.auth.vaultFlows;
  app.get('/api/auth/vault/status', async () => flows.status());
  app.post('/api/auth/vault/unlock', async (req) => flows.unlock(body(req).password, ctx(req)));
  app.post('/api/auth/vault/recovery', async (req, reply) => {
    const r = await flows.recovery(body(req), ctx(req));
    if (r.session) setSessionCookie(req, reply, r.session);
    return { ok: true, status: r.status };
  });
  app.post('/api/auth/vault/initialize', async (req) => flows.initialize(body(req).password, ctx(req)));
}
