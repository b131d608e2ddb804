/**
 * The two request shapes the egress proxy serves, for one session: plain HTTP in absolute form
 * (forwarded, response streamed back) and `CONNECT host:port` (bytes tunnelled; TLS stays
 * end-to-end, the proxy never sees plaintext). Both dial exactly the address `decide` checked.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { decide, type DecideDeps } from './proxy-decide.js';
import type { NetworkAuditInput } from './audit.js';

/** What a handler needs from its proxy and session. */
export interface HandlerCtx extends DecideDeps {
  sessionKey: string;
  now: () => number;
  audit: (e: NetworkAuditInput) => void;
  dial: (o: { host: string; port: number }) => Socket;
  idleMs: number;
  connectMs: number;
  onError: (err: unknown, where: string) => void;
}

// RFC 9110 §7.6.1 connection-specific fields, plus proxy credentials and routing: never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

function stripHopByHop(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(String(h.connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k) || k.startsWith('proxy-')) continue;
    out[k] = v;
  }
  return out;
}

/** One audit entry per request, written exactly once; a failing sink never breaks the proxy. */
function recorder(ctx: HandlerCtx, base: Pick<NetworkAuditInput, 'method' | 'url'>) {
  const started = ctx.now();
  const e: NetworkAuditInput = { ts: started, sessionKey: ctx.sessionKey, domain: '', port: 0, ...base, action: 'deny', reason: '', bytesUp: 0, bytesDown: 0, durationMs: 0 };
  let done = false;
  return {
    e,
    finish(action: 'allow' | 'deny', reason: string): void {
      if (done) return;
      done = true;
      e.action = action;
      e.reason = reason;
      e.durationMs = Math.max(0, ctx.now() - started);
      try { ctx.audit(e); } catch (err) { ctx.onError(err, 'network audit'); }
    },
  };
}

function refuseHttp(res: http.ServerResponse, status: number, reason: string): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(reason) + 1, connection: 'close' });
  res.end(`${reason}\n`);
}

/** Plain HTTP through the proxy: `GET http://host[:port]/path HTTP/1.1`. */
export async function handleForward(req: http.IncomingMessage, res: http.ServerResponse, ctx: HandlerCtx): Promise<void> {
  const rawUrl = req.url ?? '';
  const rec = recorder(ctx, { method: (req.method ?? 'GET').slice(0, 32), url: null });
  const deny = (status: number, reason: string) => { refuseHttp(res, status, reason); rec.finish('deny', reason); };
  let u: URL;
  try { u = new URL(rawUrl); } catch { return deny(400, 'expected an absolute http:// URL (use CONNECT for https)'); }
  rec.e.url = u.href;
  rec.e.domain = u.hostname;
  // https:// in absolute form would make the proxy the TLS client; clients must CONNECT instead.
  if (u.protocol !== 'http:') return deny(400, `scheme ${u.protocol} is not proxied (use CONNECT for https)`);
  if (u.username || u.password) return deny(400, 'credentials in the URL are not allowed');
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = u.port ? Number(u.port) : 80;
  rec.e.domain = host;
  rec.e.port = port;
  const d = await decide(host, port, ctx);
  if (!d.ok) return deny(d.status, d.reason);
  // The client may have hung up during the lookup: its close event is gone, so nothing below would
  // ever record the request. Dial nothing for it (a fire-and-forget request must not go out unaudited).
  if (req.socket.destroyed) return rec.finish('deny', 'client went away before the upstream was dialed');

  const headers = { ...stripHopByHop(req.headers), host: u.host };
  // No agent: a pooled socket opened for another request would bypass this dial.
  const up = http.request({
    method: req.method, path: `${u.pathname}${u.search}`, headers, setHost: false,
    createConnection: () => ctx.dial({ host: d.address, port }),
  });
  let failure: string | null = null;
  const connectTimer = setTimeout(() => { failure = `upstream connect timed out after ${ctx.connectMs} ms`; up.destroy(); }, ctx.connectMs);
  up.on('socket', (s) => { if (!s.connecting) clearTimeout(connectTimer); else s.once('connect', () => clearTimeout(connectTimer)); });
  up.setTimeout(ctx.idleMs, () => { failure = `upstream idle for ${ctx.idleMs} ms`; up.destroy(); });
  req.on('data', (c: Buffer) => { rec.e.bytesUp += c.length; });
  req.pipe(up);
  up.on('response', (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, stripHopByHop(upRes.headers));
    upRes.on('data', (c: Buffer) => { rec.e.bytesDown += c.length; });
    upRes.on('error', () => res.destroy());
    upRes.pipe(res);
  });
  up.on('error', (err) => {
    clearTimeout(connectTimer);
    failure ??= `upstream failed: ${err.message}`;
    refuseHttp(res, /timed out|idle/.test(failure) ? 504 : 502, failure);
  });
  up.on('close', () => { if (!res.headersSent) refuseHttp(res, failure && /timed out|idle/.test(failure) ? 504 : 502, failure ??= 'upstream closed without a response'); });
  res.on('close', () => {
    clearTimeout(connectTimer);
    if (!res.writableFinished) up.destroy();
    rec.finish('allow', failure ?? (res.writableFinished ? `${d.reason}; status ${res.statusCode}` : `${d.reason}; client closed early`));
  });
}

const CONNECT_TARGET = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

function refuseRaw(socket: Duplex, status: number, reason: string): void {
  const text = status === 400 ? 'Bad Request' : status === 502 ? 'Bad Gateway' : status === 504 ? 'Gateway Timeout' : 'Forbidden';
  const body = `${reason}\n`;
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** `CONNECT host:port`: checked, then bytes copied both ways and counted (not capped). */
export async function handleConnect(req: http.IncomingMessage, socket: Duplex, head: Buffer, ctx: HandlerCtx): Promise<void> {
  const rec = recorder(ctx, { method: 'CONNECT', url: null });
  const deny = (status: number, reason: string) => { refuseRaw(socket, status, reason); rec.finish('deny', reason); };
  socket.on('error', () => {});
  const m = CONNECT_TARGET.exec(req.url ?? '');
  if (!m) { rec.e.domain = (req.url ?? '').slice(0, 255); return deny(400, 'expected CONNECT host:port'); }
  const host = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(m[2]);
  rec.e.domain = host;
  rec.e.port = port;
  const d = await decide(host, port, ctx);
  if (!d.ok) return deny(d.status, d.reason);
  // As in handleForward: a client gone during the lookup must not get its `head` bytes sent unaudited.
  if (socket.destroyed) return rec.finish('deny', 'client went away before the upstream was dialed');

  const up = ctx.dial({ host: d.address, port });
  let failure: string | null = null;
  let established = false;
  const connectTimer = setTimeout(() => { failure = `upstream connect timed out after ${ctx.connectMs} ms`; up.destroy(); }, ctx.connectMs);
  const idle = () => { failure ??= `tunnel idle for ${ctx.idleMs} ms`; up.destroy(); socket.destroy(); };
  up.on('connect', () => {
    clearTimeout(connectTimer);
    established = true;
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) { rec.e.bytesUp += head.length; up.write(head); }
    socket.on('data', (c: Buffer) => { rec.e.bytesUp += c.length; });
    up.on('data', (c: Buffer) => { rec.e.bytesDown += c.length; });
    socket.pipe(up);
    up.pipe(socket);
  });
  up.setTimeout(ctx.idleMs, idle);
  (socket as Socket).setTimeout?.(ctx.idleMs, idle);
  up.on('error', (err) => {
    failure ??= `upstream failed: ${err.message}`;
    if (!established) refuseRaw(socket, /timed out/.test(failure) ? 504 : 502, failure);
    else socket.destroy();
  });
  up.on('close', () => { clearTimeout(connectTimer); if (established) socket.end(); });
  socket.on('close', () => {
    clearTimeout(connectTimer);
    up.destroy();
    rec.finish('allow', failure ?? `${d.reason}; tunnel closed`);
  });
}
