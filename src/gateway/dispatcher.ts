import { authorize, methodScope, VAULT_METHODS } from '../policy/index.js';
import { RpcError, type CallContext, type MethodHandler, type MethodTable } from '../rpc/index.js';
import type { ResponseFrame } from './frames.js';
import { COUNTED_FAILURES, type FailureThrottle } from './failures.js';

export type { CallContext, MethodHandler, MethodTable } from '../rpc/index.js';

/**
 * The RPC dispatcher shared by WebSocket `req` frames and `POST /api/rpc`: the policy table
 * is consulted before any handler runs, so REST and WS cannot disagree.
 */
export function createDispatcher(opts: {
  onError: (err: unknown, method: string) => void;
  vaultStatus?: () => string;
  vaultMethods?: ReadonlySet<string>;
  /** Told about every call refused for a missing scope (audit). */
  onDenied?: (method: string, missing: string, ctx: CallContext) => void;
  /** Throttles a credential whose calls keep being refused (absent: no such limit). */
  failures?: FailureThrottle;
}) {
  const failures = opts.failures;
  const vaultMethods = opts.vaultMethods ?? VAULT_METHODS;
  const methods = new Map<string, MethodHandler>();
  /** The call itself: policy, vault guard, handler. */
  async function call(id: string, method: string, params: unknown, ctx: CallContext): Promise<ResponseFrame> {
    // Only authenticated callers get here (the gate refused strangers), and hello-ok lists every
    // method anyway: telling them a name does not exist reveals nothing and helps them fix a typo.
    const handler = methods.get(method);
    if (!handler) return { type: 'res', id, ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown method: ${method}` } };
    const a = authorize(methodScope(method), ctx.identity.scopes);
    if (!a.ok) opts.onDenied?.(method, a.missing, ctx);
    if (!a.ok) return { type: 'res', id, ok: false, error: { code: 'UNAUTHORIZED', message: `missing scope: ${a.missing}`, details: { missingScope: a.missing } } };
    // Vault guard after authorization, as for REST: methods that need a secret wait for an unsealed vault.
    if (vaultMethods.has(method) && (opts.vaultStatus?.() ?? 'sealed') !== 'unsealed') {
      return { type: 'res', id, ok: false, error: { code: 'VAULT_SEALED', message: 'vault is sealed: log in or unlock it (POST /api/auth/vault/unlock)', details: { status: opts.vaultStatus?.() ?? 'sealed' } } };
    }
    try {
      const payload = await handler(params, ctx);
      return { type: 'res', id, ok: true, payload: payload ?? {} };
    } catch (err) {
      if (err instanceof RpcError) {
        const error = { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}), ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) };
        return { type: 'res', id, ok: false, error };
      }
      opts.onError(err, method);
      return { type: 'res', id, ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
    }
  }

  return {
    register(name: string, handler: MethodHandler): void {
      if (methods.has(name)) throw new Error(`method ${name} registered twice`);
      methods.set(name, handler);
    },
    /** Mounts a capability's method table (the composition root does this; capabilities never see the dispatcher). */
    mount(table: MethodTable): void {
      for (const [name, handler] of Object.entries(table)) this.register(name, handler);
    },
    names(): string[] { return [...methods.keys()].sort(); },
    async dispatch(id: string, method: string, params: unknown, ctx: CallContext): Promise<ResponseFrame> {
      if (!failures) return call(id, method, params, ctx);
      // A credential that kept failing is refused before any work (and before any audit line).
      const wait = failures.retryAfterMs(ctx.identity);
      if (wait > 0) {
        const secs = Math.ceil(wait / 1000);
        return { type: 'res', id, ok: false, error: { code: 'RATE_LIMITED', message: `too many refused requests from this credential: retry after ${secs}s`, retryable: true, retryAfterMs: wait } };
      }
      const res = await call(id, method, params, ctx);
      if (!res.ok && res.error && COUNTED_FAILURES.has(res.error.code)) failures.fail(ctx.identity, ctx.clientIp);
      return res;
    },
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
