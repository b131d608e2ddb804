/**
 * The RPC contract every capability speaks: a method table of handlers, the caller's context,
 * typed refusals and parameter parsing. A leaf module: capabilities export their method tables
 * built on it, and only the composition root (`server/`) mounts them on the gateway's
 * dispatcher, so no capability imports the WebSocket gateway.
 */
import type { z } from 'zod';
import type { Identity } from '../policy/index.js';

/** Error codes of the WebSocket/RPC protocol (reference §2.7). */
export type ErrorCode =
  | 'UNKNOWN_METHOD' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED'
  | 'TIMEOUT' | 'INTERNAL' | 'PROTOCOL_ERROR' | 'PAYLOAD_TOO_LARGE' | 'INVALID_REQUEST' | 'UNAVAILABLE' | 'VAULT_SEALED';

/** A refused RPC call; the dispatcher turns it into an error `res` frame. */
export class RpcError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** What a method handler knows about its caller (set by the gate; handlers never re-derive it). */
export interface CallContext { identity: Identity; clientIp: string; connId: string | null; isLocal: boolean }
export type MethodHandler = (params: unknown, ctx: CallContext) => unknown | Promise<unknown>;
/** A capability's RPC surface: method name → handler. Each name needs an entry in `policy/`. */
export type MethodTable = Readonly<Record<string, MethodHandler>>;

/** Parses params with a schema, turning failures into INVALID_REQUEST with the field named. */
export function parseParams<T>(schema: z.ZodType<T>, params: unknown): T {
  const r = schema.safeParse(params ?? {});
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new RpcError('INVALID_REQUEST', `invalid params${i && i.path.length ? ` at ${i.path.join('.')}` : ''}: ${i?.message ?? 'bad input'}`);
}
