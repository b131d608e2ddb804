import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from '../../gateway/index.js';

/** `POST /api/rpc {method, params?, id?}`: the WebSocket methods over REST, same policy table. Always 200 with a `res` frame. */
export function registerRpcRoute(app: FastifyInstance, deps: { dispatcher: Dispatcher }): void {
  app.post('/api/rpc', async (req) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as { method?: unknown; params?: unknown; id?: unknown };
    const id = typeof b.id === 'string' && b.id.length <= 128 ? b.id : 'http-rpc';
    if (typeof b.method !== 'string' || b.method.length === 0 || b.method.length > 128) {
      return { type: 'res', id, ok: false, error: { code: 'INVALID_REQUEST', message: 'body must be {"method": string, "params"?: any, "id"?: string}' } };
    }
    return deps.dispatcher.dispatch(id, b.method, b.params, { identity: req.gate.identity!, clientIp: req.gate.clientIp, connId: null, isLocal: req.gate.isLocal });
  });
}
