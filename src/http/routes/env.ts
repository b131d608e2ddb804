import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, type Auth } from '../../auth/index.js';

/** The slice of the vault's secret store these routes use. */
export interface SecretsPort {
  list(kind: string): Array<{ id: number; name: string; created_at: number; updated_at: number }>;
  put(kind: string, name: string, value: string): { id: number; created: boolean };
  delete(kind: string, id: number): boolean;
}

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_VALUE = 64 * 1024;

/**
 * `/api/env`: environment variables for the agent, stored only in the vault. Values are
 * write-only: no route ever returns one. Writes need an unsealed vault (the gate answers 423).
 */
export function registerEnvRoutes(app: FastifyInstance, deps: { secrets: SecretsPort; auth: Auth }): void {
  const iso = (t: number) => new Date(t).toISOString();
  app.get('/api/env', async () => ({
    env_vars: deps.secrets.list('env').map((e) => ({ id: e.id, key: e.name, created_at: iso(e.created_at), updated_at: iso(e.updated_at) })),
  }));
  app.post('/api/env', async (req: FastifyRequest) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as { key?: unknown; value?: unknown };
    if (typeof b.key !== 'string' || !KEY_RE.test(b.key)) throw new AuthError('INVALID_INPUT', 'key must be a variable name: letters, digits and _, not starting with a digit (e.g. GITHUB_TOKEN)');
    if (typeof b.value !== 'string') throw new AuthError('INVALID_INPUT', 'value must be a string');
    if (Buffer.byteLength(b.value) > MAX_VALUE) throw new AuthError('INVALID_INPUT', `value is too large (at most ${MAX_VALUE} bytes)`);
    const r = deps.secrets.put('env', b.key, b.value);
    deps.auth.audit(r.created ? 'env_var_created' : 'env_var_updated', req.gate.clientIp, `key=${b.key}`);
    return { ok: true, id: r.id };
  });
  app.delete<{ Params: { id: string } }>('/api/env/:id', async (req) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0 || !deps.secrets.delete('env', id)) throw new AuthError('NOT_FOUND', `no environment variable with id ${req.params.id}`);
    deps.auth.audit('env_var_deleted', req.gate.clientIp, `id=${id}`);
    return { ok: true };
  });
}
