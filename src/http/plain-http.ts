/**
 * Plain HTTP arriving where TLS is spoken. A browser pointed at `http://host:13131` (the
 * scheme typed wrong, an old bookmark) would get a TLS alert it renders as "connection reset";
 * instead the TLS listener peeks at the first byte of every connection: `0x16` (a TLS handshake
 * record) goes to TLS untouched, anything else gets a short plain-HTTP answer — a redirect to
 * https on the same host and port — and the connection is closed. Nothing else is served over
 * plain HTTP: no route, no cookie, no CA download (a certificate fetched over plain HTTP could
 * be swapped by anyone on the path). `[server] http_redirect_port` serves the same answer on a
 * second, plain port.
 *
 * Behind a proxy that was told to speak TLS upstream (`MOLTIS_ALLOW_TLS_BEHIND_PROXY`), a plain
 * request means the proxy is misconfigured: a redirect would loop through it, so the answer is
 * an error page that says what to fix.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseAuthority } from '../net/index.js';
import { capConnections } from './conn-limits.js';

const TLS_HANDSHAKE_RECORD = 0x16;
/** A request head larger than this is not a browser asking for a page. */
const MAX_HEAD_BYTES = 8192;

/** How a plain request is answered: a redirect to https, or an error page (behind a proxy). */
export type PlainHttpMode = 'redirect' | 'refuse';

/** Options of {@link plainHttpAnswer}. */
export interface PlainAnswerOptions {
  mode: PlainHttpMode;
  /** The HTTPS port to send the browser to; null keeps the port the browser used (same-port case). */
  httpsPort: number | null;
  /** The port this socket reached (used when the Host carries none and `httpsPort` is null). */
  localPort: number;
}

const formatHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

function response(status: string, headers: Record<string, string>, text: string): string {
  const body = `${text}\n`;
  const lines = [`HTTP/1.1 ${status}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store', 'X-Content-Type-Options: nosniff', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * The whole plain-HTTP response (status line, headers, body) for a request head (`head` is the
 * text up to the blank line). Pure, so every branch is unit-tested. Host and path are validated,
 * and the `Location` is rebuilt from the parsed host, never copied from the request: a forged
 * Host can only send its own sender somewhere, never inject a header.
 */
export function plainHttpAnswer(head: string, o: PlainAnswerOptions): string {
  if (o.mode === 'refuse') {
    return response('400 Bad Request', {}, 'This gateway speaks HTTPS only (MOLTIS_ALLOW_TLS_BEHIND_PROXY is set): point your reverse proxy at https://… (nginx: proxy_pass https://…), or run the gateway with --no-tls and let the proxy terminate TLS.');
  }
  const lines = head.split('\r\n');
  const m = /^[A-Z]{1,16} (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  const hosts = lines.slice(1).filter((l) => /^host:/i.test(l)).map((l) => l.slice(5).trim());
  // One readable Host or no redirect: several Host lines are a smuggling signal, not a choice.
  const a = m && hosts.length === 1 ? parseAuthority(hosts[0]!) : null;
  if (m === null || a === null) {
    return response('400 Bad Request', {}, `This port speaks HTTPS only: open https://<this host>:${o.httpsPort ?? o.localPort}/ instead.`);
  }
  // Origin-form paths only; anything else (absolute-form, junk) goes to the root.
  const path = /^\/[!-~]*$/.test(m[1]!) ? m[1]! : '/';
  const port = o.httpsPort ?? a.port ?? o.localPort;
  const url = `https://${formatHost(a.host)}${port === 443 ? '' : `:${port}`}${path}`;
  // 307, not 301: a permanent redirect is cached for good and would outlive a later --no-tls.
  return response('307 Temporary Redirect', { Location: url }, `This port speaks HTTPS: ${url}`);
}

interface PlainSocketOptions extends Omit<PlainAnswerOptions, 'localPort'> {
  /** A connection that has not sent its request head by then is dropped. */
  timeoutMs: number;
}

/** Reads a request head from `socket` (starting with `first`), answers it and closes. */
function answerPlainSocket(socket: Socket, first: Buffer, o: PlainSocketOptions): void {
  let head = first;
  const timer = setTimeout(() => socket.destroy(), o.timeoutMs);
  const done = (text: string) => {
    clearTimeout(timer);
    socket.removeAllListeners('data');
    socket.end(text);
    // The answer is small; a peer that does not read it is not waited for.
    setTimeout(() => socket.destroy(), 1000).unref();
  };
  const check = () => {
    const end = head.indexOf('\r\n\r\n');
    const answer = (h: string) => plainHttpAnswer(h, { ...o, localPort: socket.localPort ?? 0 });
    if (end !== -1) return done(answer(head.subarray(0, end).toString('latin1')));
    // Too large to be a browser's request for a page: answer without a redirect (fail closed).
    if (head.length > MAX_HEAD_BYTES) return done(answer(''));
  };
  socket.on('data', (chunk: Buffer) => { head = Buffer.concat([head, chunk]); check(); });
  socket.once('close', () => clearTimeout(timer));
  check();
}

/**
 * Makes the TLS listener `server` answer plain HTTP (see the module comment). Installed before
 * any other `connection` listener is added, it replaces TLS's own and calls it for handshakes.
 */
export function answerPlainHttpOnTlsPort(server: Server, o: { mode: PlainHttpMode; timeoutMs: number }): void {
  const tlsListeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    // Errors before the hand-over (a reset while we wait) must not crash the process.
    socket.on('error', () => socket.destroy());
    // A connection that never says anything is dropped (TLS's own handshake timeout is 120 s).
    const timer = setTimeout(() => socket.destroy(), o.timeoutMs);
    socket.once('close', () => clearTimeout(timer));
    socket.once('data', (first: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      if (first[0] === TLS_HANDSHAKE_RECORD) {
        // Put the bytes back: the TLS socket reads what is buffered before reading the handle.
        socket.unshift(first);
        for (const l of tlsListeners) l.call(server, socket);
        return;
      }
      answerPlainSocket(socket, first, { mode: o.mode, httpsPort: null, timeoutMs: o.timeoutMs });
      socket.resume();
    });
  });
}

/** A running `[server] http_redirect_port` listener. */
export interface RedirectListener { port: number; close(): Promise<void> }

/**
 * Listens on `bind:port` and redirects every plain-HTTP request to https on `httpsPort` (same
 * host name as the browser used). Connection caps as on the main port.
 */
export async function startRedirectListener(o: { bind: string; port: number; httpsPort: number; timeoutMs: number; maxConnections: number; maxConnectionsPerIp: number }): Promise<RedirectListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), o.timeoutMs);
    socket.once('data', (first: Buffer) => {
      clearTimeout(timer);
      // Someone speaking TLS to the plain port: there is nothing to redirect (no Host to read).
      if (first[0] === TLS_HANDSHAKE_RECORD) { socket.destroy(); return; }
      answerPlainSocket(socket, first, { mode: 'redirect', httpsPort: o.httpsPort, timeoutMs: o.timeoutMs });
    });
    socket.once('close', () => clearTimeout(timer));
  });
  capConnections(server, { max: o.maxConnections, maxPerIp: o.maxConnectionsPerIp, exempt: () => false });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.bind, port: o.port }, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : o.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
