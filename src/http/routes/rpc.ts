import type { FastifyInstance } from 'fastify';
import type { Dispatcher, ErrorCode, ResponseFrame } from '../../gateway/index.js';

/** The HTTP status that matches each RPC error; the body stays the `res` frame. */
const STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  UNAUTHORIZED: 401, FORBIDDEN: 403, UNKNOWN_METHOD: 404, NOT_FOUND: 404, CONFLICT: 409, RATE_LIMITED: 429,
  TIMEOUT: 504, INTERNAL: 500, PROTOCOL_ERROR: 400, PAYLOAD_TOO_LARGE: 413, INVALID_REQUEST: 400, UNAVAILABLE: 503, VAULT_SEALED: 423,
});

/** 200 for success; otherwise the error's status (a missing scope is 403: the caller is known, not allowed). */
export function rpcHttpStatus(res: ResponseFrame): number {
  if (res.ok || !res.error) return 200;
  if (res.error.code === 'UNAUTHORIZED' && (res.error.details as { missingScope?: unknown } | undefined)?.missingScope !== undefined) return 403;
  return STATUS[res.error.code] ?? 500;
}

/** `POST /api/rpc {method, params?, id?}`: the WebSocket methods over REST, same policy table; the HTTP status matches the outcome. */
export function registerRpcRoute(app: FastifyInstance, deps: { dispatcher: Dispatcher }): void {
  app.post('/api/rpc', async (req, reply) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as { method?: unknown; params?: unknown; id?: unknown };
    const id = typeof b.id === 'string' && b.id.length <= 128 ? b.id : 'http-rpc';
    if (typeof b.method !== 'string' || b.method.length === 0 || b.method.length > 128) {
      return reply.code(400).send({ type: 'res', id, ok: false, error: { code: 'INVALID_REQUEST', message: 'body must be {"method": string, "params"?: any, "id"?: string}' } });
    }
    const res = await deps.dispatcher.dispatch(id, b.method, b.params, { identity: req.gate.identity!, clientIp: req.gate.clientIp, connId: null, isLocal: req.gate.isLocal });
    const status = rpcHttpStatus(res);
    if (status === 429 && res.error?.retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(res.error.retryAfterMs / 1000)));
    return reply.code(status).send(res);
  });
}
