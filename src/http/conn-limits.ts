/**
 * Socket budgets of the listener. Threat: a stranger opening many connections that each send a
 * request slowly (headers byte by byte, or `Content-Length: 1000000` and one byte) holds a file
 * descriptor per connection until the process runs out and even `/health` stops answering.
 * Answer: short deadlines for what a stranger sends, a per-address and a total connection cap,
 * and no keep-alive after a refusal answered before the body was read.
 */
import type { Server } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/** The listener's socket budget (from `[server]`). */
export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  unauthenticatedBodyTimeoutMs: number;
}

// Node checks header/request deadlines on this tick (its default, 30 s, would let a slow
// client overstay a 10 s deadline threefold).
const DEADLINE_CHECK_MS = 1000;

/** Options for `http(s).createServer`: node's own header and whole-request deadlines. */
export function serverTimeoutOptions(l: ConnectionLimits) {
  return { headersTimeout: l.headersTimeoutMs, requestTimeout: l.requestTimeoutMs, connectionsCheckingInterval: Math.min(DEADLINE_CHECK_MS, l.headersTimeoutMs) };
}

/**
 * Caps open connections in total (`server.maxConnections`) and per peer address, counted on the
 * TCP `connection` event, before TLS or HTTP parsing spend anything on them.
 */
export function capConnections(server: Server, o: { max: number; maxPerIp: number; exempt: (peer: string) => boolean }): void {
  server.maxConnections = o.max;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const peer = socket.remoteAddress;
    // Fail closed: a socket whose peer cannot be named cannot be counted.
    if (peer === undefined) { socket.destroy(); return; }
    if (o.exempt(peer)) return;
    const n = open.get(peer) ?? 0;
    // Over the per-address budget: drop at once, before it can hold anything.
    if (n >= o.maxPerIp) { socket.destroy(); return; }
    open.set(peer, n + 1);
    socket.once('close', () => {
      const left = (open.get(peer) ?? 1) - 1;
      if (left <= 0) open.delete(peer); else open.set(peer, left);
    });
  });
}

const hasBody = (h: Record<string, string | string[] | undefined>) =>
  h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');

/** A request body that did not arrive in time (answered 408 by the error handler). */
class BodyTimeoutError extends Error {
  readonly statusCode = 408;
  readonly code = 'REQUEST_TIMEOUT';
}

/**
 * Hooks after the gate: a request without a credential gets `timeoutMs` to deliver its body,
 * and any 4xx answered before the body was read closes the connection instead of reading on.
 */
export function installBodyDeadlines(app: FastifyInstance, o: { unauthenticatedBodyTimeoutMs: number; keepProxyOpen?: (peer: string | undefined) => boolean }): void {
  // Callback-style hooks: an async hook costs every request a promise and a microtask.
  app.addHook('preParsing', (req, reply, payload: Readable, done: (err: Error | null, body?: Readable) => void) => {
    // Credentialed callers keep node's whole-request deadline; strangers get the short one.
    if (req.gate?.identity || req.raw.complete || !hasBody(req.headers)) { done(null, payload); return; }
    const out = new PassThrough();
    const timer = setTimeout(() => {
      payload.unpipe(out);
      out.destroy(new BodyTimeoutError(`request body not received within ${o.unauthenticatedBodyTimeoutMs / 1000}s`));
    }, o.unauthenticatedBodyTimeoutMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    out.once('end', stop);
    out.once('close', stop);
    reply.raw.once('close', stop);
    // The parser may answer without reading (413 from Content-Length): nobody else listens then.
    out.on('error', () => { /* reported to the parser, if it still listens */ });
    payload.once('error', (err) => { stop(); out.destroy(err); });
    done(null, payload.pipe(out));
  });

  app.addHook('onSend', (req, reply, body, done: (err: Error | null, body?: unknown) => void) => {
    // Threat: a refusal (401, 413, 429) sent early leaves node reading the rest of a huge body to
    // keep the connection alive; closing it frees the descriptor at once.
    // Not towards our own reverse proxy: a proxy that streams the body (Caddy) is still writing it
    // when the close lands, gets a reset and answers 502 instead of our 429. It caps body sizes
    // itself, and node discards the rest of the body before the connection's next request.
    if (reply.statusCode >= 400 && reply.statusCode < 500 && !req.raw.complete && hasBody(req.headers) && !o.keepProxyOpen?.(req.socket.remoteAddress)) reply.header('connection', 'close');
    done(null, body);
  });
}
