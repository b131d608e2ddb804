import { randomUUID } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import type { FastifyRequest } from 'fastify';
import { AuthError, type Auth, type AuthResult } from '../auth/index.js';
import { authorize, methodScope, ownerIdentity, type Identity } from '../policy/index.js';
import type { Dispatcher } from './dispatcher.js';
import { hangUp, sendFrame, type Conn, type Connections } from './connections.js';
import { KNOWN_EVENTS, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, RequestFrame, parseConnect, type ErrorShape } from './frames.js';

/** Close codes: 1008 policy violation (handshake), 1013 try again later, 4001 credentials revoked or expired. */
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN = 1013;
export const CLOSE_REVOKED = 4001;

/** Serves one WebSocket: the `connect` handshake, then request frames through the dispatcher. */
export function handleSocket(socket: WebSocket, req: FastifyRequest, deps: { auth: Auth; dispatcher: Dispatcher; conns: Connections; version: string; hostname: string; handshakeTimeoutMs: number }) {
  const { auth, dispatcher, conns } = deps;
  const conn: Conn = { id: randomUUID(), socket, identity: null, clientIp: req.gate.clientIp, isLocal: req.gate.isLocal, subscriptions: new Set(), seq: 0 };
  const headerAuth: AuthResult = req.gate.auth;
  let handshake: Promise<void> | null = null;
  // Strangers' sockets have their own budget, so they cannot fill the table (bounded memory).
  const refused = conns.add(conn, { anonymous: headerAuth.kind !== 'allowed' });
  if (refused) {
    sendFrame(conn, { type: 'res', id: 'connect', ok: false, error: { code: 'UNAVAILABLE', message: refused, retryable: true } });
    socket.on('error', () => socket.terminate());
    hangUp(socket, CLOSE_TRY_AGAIN, 'too many connections');
    return;
  }

  // A failed handshake frees its slot at once and its socket within a second, answered or not.
  const fail = (id: string, error: ErrorShape) => {
    sendFrame(conn, { type: 'res', id, ok: false, error });
    conns.remove(conn.id);
    hangUp(socket, CLOSE_POLICY, error.code);
  };
  // A client that never says `connect` is dropped: open sockets are attacker-controlled memory.
  const timer = setTimeout(() => fail('connect', { code: 'TIMEOUT', message: `no connect frame within ${deps.handshakeTimeoutMs / 1000}s` }), deps.handshakeTimeoutMs);
  socket.on('close', () => { clearTimeout(timer); conns.remove(conn.id); });
  socket.on('error', () => socket.terminate());

  async function connect(frame: RequestFrame): Promise<void> {
    const p = parseConnect(frame.params);
    if (!p) return fail(frame.id, { code: 'INVALID_REQUEST', message: 'invalid connect params: expected {protocol:{min,max}, client:{id,version,platform,mode}, auth?}' });
    if (p.min > PROTOCOL_VERSION || p.max < PROTOCOL_VERSION) return fail(frame.id, { code: 'PROTOCOL_ERROR', message: `protocol mismatch: server=${PROTOCOL_VERSION}, client=${p.min}-${p.max}` });
    // Only operators connect here; node roles arrive with pairing (the client may not pick its own power).
    if (p.role !== 'operator') return fail(frame.id, { code: 'FORBIDDEN', message: `unauthorized role: ${p.role}` });
    // A credential in the frame binds, whatever the upgrade request carried (invariant 1): a read
    // key sent from loopback before setup is a read key, not Tier-2 full access.
    const key = p.auth?.api_key ?? p.auth?.token;
    let identity: Identity | null = key === undefined && p.auth?.password === undefined && headerAuth.kind === 'allowed' ? headerAuth.identity : null;
    const ctx = { clientIp: conn.clientIp, isLocal: conn.isLocal };
    try {
      if (key !== undefined) {
        const r = auth.checkApiKeyGuarded(key, ctx);
        if (r.kind === 'forbidden') return fail(frame.id, { code: 'FORBIDDEN', message: r.message });
        if (r.kind === 'allowed') identity = r.identity;
      } else if (p.auth?.password !== undefined) {
        // Fail closed: with no password set there is nothing a presented password could prove.
        if (!auth.hasPassword()) return fail(frame.id, { code: 'UNAUTHORIZED', message: 'no password is set on this gateway: connect without one from this machine, or with an API key' });
        // A password in `connect` is a login: it spends the same per-IP login budget as /api/auth/login.
        const t = req.gate.chargeLoginAttempt();
        if (!t.allowed) return fail(frame.id, { code: 'RATE_LIMITED', message: 'too many login attempts from this address', retryable: true, retryAfterMs: t.retryAfterSeconds * 1000 });
        const version = await auth.verifyOwnerPassword(p.auth.password, ctx, 'ws_connect');
        identity = { ...ownerIdentity('password'), passwordVersion: version };
      }
    } catch (err) {
      if (err instanceof AuthError && err.code === 'LOGIN_BLOCKED') {
        const secs = Number(err.extra.retry_after_seconds ?? 60);
        return fail(frame.id, { code: 'RATE_LIMITED', message: err.message, retryable: true, retryAfterMs: secs * 1000 });
      }
      if (!(err instanceof AuthError)) throw err;
    }
    if (!identity) return fail(frame.id, { code: 'UNAUTHORIZED', message: 'authentication failed' });
    clearTimeout(timer);
    conn.identity = identity;
    // v4 clients choose their events with `subscribe` (operator.read); a caller who may not call it
    // (an approvals-only bot) receives everything its scopes allow, or it would never hear a request.
    conn.subscriptions = p.v4 && authorize(methodScope('subscribe'), identity.scopes).ok ? new Set() : 'all';
    sendFrame(conn, {
      type: 'res', id: frame.id, ok: true,
      payload: {
        type: 'hello-ok', protocol: PROTOCOL_VERSION,
        server: { version: deps.version, host: deps.hostname, connId: conn.id },
        features: { methods: dispatcher.names(), events: [...KNOWN_EVENTS] },
        snapshot: {},
        auth: { deviceToken: '', role: 'operator', scopes: identity.scopes, issuedAtMs: Date.now() },
        policy: { maxPayload: MAX_PAYLOAD_BYTES, maxBufferedBytes: 1_572_864, tickIntervalMs: 30_000 },
      },
    });
  }

  async function request(frame: RequestFrame): Promise<void> {
    const identity = conn.identity!;
    // Revocation is immediate: the credential is re-checked before every request.
    if (!auth.isIdentityLive(identity, conn.isLocal)) {
      sendFrame(conn, { type: 'res', id: frame.id, ok: false, error: { code: 'UNAUTHORIZED', message: 'credentials revoked' } });
      conns.remove(conn.id);
      hangUp(socket, CLOSE_REVOKED, 'credentials revoked');
      return;
    }
    const res = await dispatcher.dispatch(frame.id, frame.method, frame.params, { identity, clientIp: conn.clientIp, connId: conn.id, isLocal: conn.isLocal });
    sendFrame(conn, res);
  }

  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return; // binary frames are not part of the protocol
    if (socket.readyState !== socket.OPEN) return; // closing: nothing more is heard
    const size = rawSize(data);
    if (size > MAX_PAYLOAD_BYTES) {
      const error: ErrorShape = { code: 'PAYLOAD_TOO_LARGE', message: `message too large: ${Math.ceil(size / 1024)} KiB, the limit is ${MAX_PAYLOAD_BYTES / 1024} KiB; shorten it (nothing was sent)`, details: { size, limit: MAX_PAYLOAD_BYTES } };
      // Fail closed for strangers: an unauthenticated socket gets no second try.
      if (!conn.identity) return fail('connect', error);
      // The id is read from the frame's head only: an oversized frame is never parsed.
      sendFrame(conn, { type: 'res', id: frameIdOf(data) ?? 'unknown', ok: false, error });
      return;
    }
    let frame: RequestFrame;
    try {
      const parsed = RequestFrame.safeParse(JSON.parse(data.toString()));
      if (!parsed.success) throw new Error('bad frame');
      frame = parsed.data;
    } catch {
      if (!conn.identity) return fail('connect', { code: 'PROTOCOL_ERROR', message: 'first frame must be {"type":"req","id":…,"method":"connect","params":{…}}' });
      sendFrame(conn, { type: 'event', event: 'error', payload: { code: 'INVALID_REQUEST', message: 'invalid frame' } });
      return;
    }
    if (!conn.identity) {
      if (handshake) { handshake = handshake.then(() => (conn.identity ? request(frame) : undefined)); return; }
      if (frame.method !== 'connect') return fail(frame.id, { code: 'PROTOCOL_ERROR', message: 'first request must be connect' });
      handshake = connect(frame).catch(() => fail(frame.id, { code: 'INTERNAL', message: 'internal error' }));
      return;
    }
    if (frame.method === 'connect') { sendFrame(conn, { type: 'res', id: frame.id, ok: false, error: { code: 'CONFLICT', message: 'already connected' } }); return; }
    request(frame).catch(() => sendFrame(conn, { type: 'res', id: frame.id, ok: false, error: { code: 'INTERNAL', message: 'internal error' } }));
  });
}

function rawSize(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** The `"id"` of a frame, looked for in its first bytes only (clients put it before the params). */
function frameIdOf(data: RawData): string | null {
  const head = (Array.isArray(data) ? data[0] ?? Buffer.alloc(0) : Buffer.from(data as ArrayBuffer)).subarray(0, 256).toString('utf8');
  const m = /"id"\s*:\s*"([^"\\]{1,128})"/.exec(head);
  return m ? m[1]! : null;
}

/** Client mistakes the socket library reports (oversized or malformed frames): not server faults. */
export function isClientFrameError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}
