/**
 * The trusted-mode egress proxy. A sandbox has no network; its one way out is an HTTP proxy the
 * gateway serves on a Unix socket per session (bind-mounted into that session's sandbox), so
 * every request is attributed to its session by which socket it arrived on, not by anything the
 * sandbox says. Nothing listens on TCP. What may be reached is decided by the injected `filter`
 * (policy) and the SSRF guard; the address checked is the address dialed (invariant 4).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { sha256Hex } from '../crypto/index.js';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Lookup } from './guard.js';
import type { NetworkAuditInput } from './audit.js';
import { handleConnect, handleForward, type HandlerCtx } from './proxy-connect.js';
import { systemLocalAddresses, type ProxyFilter, type SelfAddress } from './proxy-decide.js';

export interface EgressProxyOptions {
  /** Directory of the per-session sockets; created 0700 (only the gateway's user may connect). */
  socketDir: string;
  /** Allowlist policy: true allows; false or a reason string refuses (see `trustedDomainsFilter`). */
  filter: ProxyFilter;
  lookup?: Lookup;
  /** Non-public CIDRs that may still be reached (config `ssrf_allowlist`). */
  allowCidrs?: readonly string[];
  /** The gateway's own listen addresses: refused even when a CIDR allows them (a getter when the port is known late). */
  selfAddresses: readonly SelfAddress[] | (() => readonly SelfAddress[]);
  /** Told once per request: at once when denied, when it ends when allowed. */
  audit: (e: NetworkAuditInput) => void;
  now?: () => number;
  /** Destination ports allowed (default 80 and 443). */
  ports?: readonly number[];
  timeouts?: { headersMs?: number; idleMs?: number; connectMs?: number };
  limits?: { maxHeaderBytes?: number; maxConnectionsPerSession?: number; maxSessions?: number };
  /** Opens the upstream connection (tests record dials); default `net.connect`. */
  dial?: (o: { host: string; port: number }) => net.Socket;
  /** This machine's addresses, for a gateway bound to a wildcard address. */
  localAddresses?: () => string[];
  onError?: (err: unknown, where: string) => void;
}

export const DEFAULT_PROXY_PORTS: readonly number[] = [80, 443];
export const PROXY_DEFAULTS = { headersMs: 10_000, idleMs: 120_000, connectMs: 10_000, maxHeaderBytes: 16 * 1024, maxConnectionsPerSession: 64, maxSessions: 1024 } as const;
/** sun_path is 108 bytes on Linux (104 on macOS); fail early with a clear message. */
const MAX_SOCKET_PATH = 100;

interface SessionServer { path: string; server: http.Server; sockets: Set<net.Socket> }

/** Creates the proxy; sockets are opened lazily by `socketFor`. */
export function createEgressProxy(o: EgressProxyOptions) {
  const now = o.now ?? Date.now;
  const onError = o.onError ?? (() => {});
  const t = { ...PROXY_DEFAULTS, ...o.timeouts, ...o.limits };
  const sessions = new Map<string, Promise<SessionServer>>();
  let closed = false;
  let dirReady = false;

  const ensureDir = () => {
    if (dirReady) return;
    mkdirSync(o.socketDir, { recursive: true, mode: 0o700 });
    chmodSync(o.socketDir, 0o700);
    const st = lstatSync(o.socketDir);
    // A symlinked or foreign directory could hand our sockets to someone else.
    if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
      throw new Error(`proxy socket dir ${o.socketDir} is not a directory owned by this user`);
    }
    dirReady = true;
  };

  const open = async (sessionKey: string): Promise<SessionServer> => {
    ensureDir();
    // The key is hashed: arbitrary session keys never become path components.
    const path = join(o.socketDir, `${sha256Hex(sessionKey).slice(0, 24)}.sock`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`proxy socket path too long (${path}): use a shorter data dir`);
    try {
      if (lstatSync(path).isSocket()) unlinkSync(path); // stale socket from a crashed run
      else throw new Error(`${path} exists and is not a socket`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const ctx: HandlerCtx = {
      sessionKey, now, audit: o.audit, onError,
      filter: o.filter, ports: new Set(o.ports ?? DEFAULT_PROXY_PORTS), allowCidrs: [...(o.allowCidrs ?? [])],
      selfAddresses: typeof o.selfAddresses === 'function' ? o.selfAddresses : () => o.selfAddresses as readonly SelfAddress[], localAddresses: o.localAddresses ?? systemLocalAddresses,
      ...(o.lookup ? { lookup: o.lookup } : {}),
      dial: o.dial ?? ((d) => net.connect(d)),
      idleMs: t.idleMs, connectMs: t.connectMs,
    };
    const server = http.createServer({ maxHeaderSize: t.maxHeaderBytes, headersTimeout: t.headersMs, requestTimeout: 0, keepAliveTimeout: 5_000 });
    // Bounded per session: past the cap the kernel-accepted connection is dropped at once.
    server.maxConnections = t.maxConnectionsPerSession;
    server.timeout = t.idleMs;
    const sockets = new Set<net.Socket>();
    server.on('connection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('request', (req, res) => {
      handleForward(req, res, ctx).catch((err) => { onError(err, 'egress proxy request'); res.destroy(); });
    });
    server.on('connect', (req, socket, head) => {
      handleConnect(req, socket, head, ctx).catch((err) => { onError(err, 'egress proxy connect'); socket.destroy(); });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => { server.off('error', reject); resolve(); });
    });
    chmodSync(path, 0o600);
    server.on('error', (err) => onError(err, 'egress proxy'));
    return { path, server, sockets };
  };

  const shut = async (s: SessionServer) => {
    await new Promise<void>((resolve) => {
      s.server.close(() => resolve());
      for (const sock of s.sockets) sock.destroy();
    });
    try { unlinkSync(s.path); } catch { /* already gone */ }
  };

  const closeSession = async (sessionKey: string): Promise<void> => {
    const p = sessions.get(sessionKey);
    if (!p) return;
    sessions.delete(sessionKey);
    const s = await p.catch(() => null);
    if (s) await shut(s);
  };

  return {
    /** The Unix socket of a session's proxy, created on first use. */
    async socketFor(sessionKey: string): Promise<string> {
      if (closed) throw new Error('egress proxy is closed');
      let p = sessions.get(sessionKey);
      if (!p) {
        if (sessions.size >= t.maxSessions) throw new Error(`egress proxy: more than ${t.maxSessions} sessions open`);
        p = open(sessionKey);
        sessions.set(sessionKey, p);
        p.catch(() => sessions.delete(sessionKey));
      }
      return (await p).path;
    },
    /** Stops a session's proxy: its socket is removed and its open connections are cut. */
    closeSession,
    /** Sessions with an open socket. */
    sessions: (): string[] => [...sessions.keys()],
    async close(): Promise<void> {
      closed = true;
      const all = [...sessions.keys()];
      await Promise.all(all.map((k) => closeSession(k)));
    },
  };
}
export type EgressProxy = ReturnType<typeof createEgressProxy>;
