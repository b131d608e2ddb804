import type { FastifyInstance } from 'fastify';
import { AuthError, clearSessionCookie, type Auth } from '../../auth/index.js';
import { body, ctx, setSessionCookie as setCookie } from './common.js';

/** `/api/auth/*`: status, setup, login, logout, password change, API keys, reset, audit. */
export function registerAuthRoutes(app: FastifyInstance, deps: { auth: Auth; bind: string }): void {
  const { auth } = deps;

  app.get('/api/auth/status', async (req) => auth.status(req.gate.isLocal, deps.bind, req.headers));

  // Any identity may learn who it is and what it may do (the RPC twin is `auth.whoami`).
  app.get('/api/auth/whoami', async (req) => {
    const id = req.gate.identity!;
    return { method: id.method, scopes: id.scopes, ...(id.apiKeyId !== undefined ? { apiKeyId: id.apiKeyId } : {}), clientIp: req.gate.clientIp, isLocal: req.gate.isLocal };
  });

  app.post('/api/auth/setup', async (req, reply) => {
    const s = await auth.setup(body(req), ctx(req));
    if (!s) return { ok: true };
    setCookie(req, reply, s);
    // The recovery key exists only in this response: the client must show it to the owner.
    return { ok: true, vault_status: s.vaultStatus, ...(s.recoveryKey ? { recovery_key: s.recoveryKey } : {}) };
  });

  app.post('/api/auth/login', async (req, reply) => {
    if (!auth.isSetupComplete()) throw new AuthError('INVALID_PASSWORD', 'no password is set yet: complete setup first (POST /api/auth/setup)');
    const s = await auth.login(body(req).password, ctx(req));
    setCookie(req, reply, s);
    return { ok: true };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    auth.logout(req.headers.cookie, ctx(req));
    reply.header('set-cookie', clearSessionCookie({ secure: req.gate.secure }));
    return { ok: true };
  });

  app.post('/api/auth/password/change', async (req, reply) => {
    const s = await auth.changePassword(body(req), ctx(req));
    setCookie(req, reply, s);
    return { ok: true, ...(s.recoveryKey ? { recovery_key: s.recoveryKey } : {}) };
  });

  app.get('/api/auth/api-keys', async () => ({ api_keys: auth.apiKeys.list() }));

  app.post('/api/auth/api-keys', async (req) => {
    const b = body(req);
    const r = auth.createApiKey(b.label, b.scopes, ctx(req));
    return { id: r.id, key: r.key, key_prefix: r.info.key_prefix, scopes: r.info.scopes };
  });

  app.delete<{ Params: { id: string } }>('/api/auth/api-keys/:id', async (req) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new AuthError('NOT_FOUND', `no API key with id ${req.params.id}`);
    auth.revokeApiKey(id, ctx(req)); // idempotent: revoking a revoked key is fine
    return { ok: true };
  });

  app.post('/api/auth/reset', async (req, reply) => {
    auth.reset(ctx(req));
    reply.header('set-cookie', clearSessionCookie({ secure: req.gate.secure }));
    return { ok: true };
  });

  app.get<{ Querystring: { limit?: string; before?: string; type?: string } }>('/api/auth/audit', async (req) => {
    const q = req.query;
    const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
    const rows = auth.auditList({ limit: num(q.limit), before: num(q.before), type: q.type });
    return { entries: rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })) };
  });
}
