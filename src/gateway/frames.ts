import { z } from 'zod';
import type { ErrorCode } from '../rpc/index.js';

/** Protocol version spoken by this server. */
export const PROTOCOL_VERSION = 4;
/** The largest frame the protocol accepts (advertised in hello-ok as `policy.maxPayload`). */
export const MAX_PAYLOAD_BYTES = 512 * 1024;
/**
 * What the socket reads before giving up (ws closes with 1009 beyond it). Between the two, an
 * oversized frame is answered with a PAYLOAD_TOO_LARGE error and the connection stays usable,
 * so a long paste costs the sender one refused message, not the session. Per-socket memory is
 * bounded by this figure.
 */
export const MAX_FRAME_BYTES = 2 * MAX_PAYLOAD_BYTES;
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export { RpcError, type ErrorCode } from '../rpc/index.js';

export interface ErrorShape { code: ErrorCode; message: string; details?: unknown; retryable?: boolean; retryAfterMs?: number }
export interface ResponseFrame { type: 'res'; id: string; ok: boolean; payload?: unknown; error?: ErrorShape }
export interface EventFrame { type: 'event'; event: string; payload?: unknown; seq?: number }

export const RequestFrame = z.object({
  type: z.literal('req'),
  id: z.string().min(1).max(128),
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
  channel: z.string().max(128).optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

const ClientInfo = z.object({
  id: z.string().min(1).max(128),
  displayName: z.string().max(256).optional(),
  version: z.string().max(64),
  platform: z.string().max(64),
  deviceFamily: z.string().max(64).optional(),
  modelIdentifier: z.string().max(128).optional(),
  mode: z.string().max(64),
  instanceId: z.string().max(128).optional(),
});

const Auth = z.object({
  token: z.string().max(4096).optional(),
  password: z.string().max(4096).optional(),
  api_key: z.string().max(256).optional(),
  deviceToken: z.string().max(256).optional(),
  publicKey: z.string().max(256).optional(),
}).optional();

const Common = {
  client: ClientInfo,
  role: z.string().max(32).optional(),
  scopes: z.array(z.string()).optional(), // ignored: scopes come from the credential, never the client
  auth: Auth,
  locale: z.string().max(64).optional(),
  timezone: z.string().max(64).optional(),
};

const ConnectV4 = z.object({ protocol: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() }), ...Common, extensions: z.unknown().optional() });
const ConnectV3 = z.object({ minProtocol: z.number().int().nonnegative(), maxProtocol: z.number().int().nonnegative(), ...Common, userAgent: z.string().optional(), caps: z.unknown().optional() });

/** Parsed `connect` parameters, either layout. */
export interface ConnectParams { min: number; max: number; client: z.infer<typeof ClientInfo>; role: string; auth: z.infer<typeof Auth>; v4: boolean }

/** Parses `connect` params: the v4 layout first, then the flat v3 one. Null when neither fits. */
export function parseConnect(params: unknown): ConnectParams | null {
  const v4 = ConnectV4.safeParse(params);
  if (v4.success) return { min: v4.data.protocol.min, max: v4.data.protocol.max, client: v4.data.client, role: v4.data.role ?? 'operator', auth: v4.data.auth, v4: true };
  const v3 = ConnectV3.safeParse(params);
  if (v3.success) return { min: v3.data.minProtocol, max: v3.data.maxProtocol, client: v3.data.client, role: v3.data.role ?? 'operator', auth: v3.data.auth, v4: false };
  return null;
}

/** Events this server may emit (listed in `hello-ok`). */
export const KNOWN_EVENTS = ['tick', 'shutdown', 'chat', 'agent', 'auth.audit', 'auth.credentials_changed', 'sessions.changed', 'identity.updated', 'providers.changed', 'exec.approval.requested', 'exec.approval.resolved'] as const;
