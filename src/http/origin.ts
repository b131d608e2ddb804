/**
 * Origin check for WebSocket upgrades (and anything else a browser can be tricked into).
 *
 * Threat: cross-site WebSocket hijacking — a page on evil.com opens `wss://localhost:13131/ws`
 * from the victim's browser, riding their cookie or Tier-2 locality. Browsers always send
 * `Origin` on WS handshakes, so a present Origin must name us: the same scheme, host (or both
 * loopback) and port as the server the browser reached, or an origin listed in config.
 * The scheme matters: `http://localhost` is another origin than `https://localhost`, and a page
 * served over plain HTTP (any local dev server, or a network attacker's injection) must not drive
 * the TLS listener. Hosts are read as a browser's URL parser reads them (net's `parseAuthority`).
 */
import { isLoopbackHost, parseAuthority } from '../net/index.js';
import type { HeaderBag } from './locality.js';

/** Why an origin was refused; callers branch on this, not on log text. */
export type OriginRejection =
  | 'origin_missing'
  | 'origin_null'
  | 'origin_invalid'
  | 'host_invalid'
  | 'forwarded_invalid'
  | 'origin_mismatch';

/** Result of {@link checkOrigin}. */
export type OriginCheck = { ok: true } | { ok: false; reason: OriginRejection };

/** The web scheme of a listener or an origin; `ws`/`wss` are the same origins as `http`/`https`. */
export type WebScheme = 'http' | 'https';

interface Endpoint {
  scheme: WebScheme;
  /** As `parseAuthority` gives it: lower-case, punycode, IP literals canonical and unbracketed. */
  host: string;
  port: number;
}

const SCHEMES: Readonly<Record<string, WebScheme>> = { http: 'http', ws: 'http', https: 'https', wss: 'https' };
const DEFAULT_PORTS: Readonly<Record<WebScheme, number>> = { http: 80, https: 443 };

function schemeOf(text: string): WebScheme | null {
  return Object.hasOwn(SCHEMES, text.toLowerCase()) ? SCHEMES[text.toLowerCase()]! : null;
}

/** Parse `scheme://host[:port]`; `null` for anything else (path, userinfo, odd scheme, junk). */
function parseOrigin(origin: string): Endpoint | null {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(origin);
  const scheme = m ? schemeOf(m[1]!) : null;
  // Everything after `://` must be a bare authority: parseAuthority refuses path, query, userinfo.
  const a = m && scheme ? parseAuthority(m[2]!) : null;
  if (scheme === null || a === null) return null;
  return { scheme, host: a.host, port: a.port ?? DEFAULT_PORTS[scheme] };
}

/** The server as reached via `host` (`Host`-style `name[:port]`); a missing port is `scheme`'s default. */
function parseServer(host: string, scheme: WebScheme, port?: number): Endpoint | null {
  const a = parseAuthority(host);
  return a === null ? null : { scheme, host: a.host, port: a.port ?? port ?? DEFAULT_PORTS[scheme] };
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.scheme !== b.scheme || a.port !== b.port) return false;
  // Loopback names on either side are interchangeable (`localhost` vs `127.0.0.1`): all reach
  // this machine. `localhost.evil.com` is a public name and does not qualify.
  return a.host === b.host || (isLoopbackHost(a.host) && isLoopbackHost(b.host));
}

/**
 * True when `origin` (an `Origin` header value) names the server reached via `host` (a
 * `Host`-style `name[:port]`) over `scheme`: same scheme (`ws` ≡ `http`, `wss` ≡ `https`), equal
 * host names or both loopback, equal ports. A missing port means the default of that side's
 * scheme: the Host's default is the listener's, never the Origin's. `null` and malformed origins
 * never match.
 */
export function isSameOrigin(origin: string, host: string, scheme: WebScheme): boolean {
  const o = parseOrigin(origin);
  // Opaque (`null`) or malformed origins cannot be compared, so they never match (fail closed).
  if (o === null) return false;
  const s = parseServer(host, scheme);
  return s !== null && sameEndpoint(o, s);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = typeof value === 'string' ? value : value.join(',');
  return joined.split(',')[0]!.trim();
}

/**
 * The origin the browser reached: the listener's scheme and the `Host`, or, behind a trusted
 * proxy, what the proxy says the browser asked for (`X-Forwarded-Proto`, `-Host`, `-Port`, first
 * value each, falling back to the listener's scheme and `Host`). Present but unreadable forwarded
 * values are a refusal, not a fallback.
 */
function serverEndpoint(headers: HeaderBag, listenerScheme: WebScheme, behindProxy: boolean): Endpoint | OriginRejection {
  let scheme = listenerScheme;
  let host = typeof headers['host'] === 'string' ? headers['host'] : undefined;
  let port: number | undefined;
  if (behindProxy) {
    const proto = firstValue(headers['x-forwarded-proto']);
    if (proto !== undefined) {
      const s = schemeOf(proto);
      // A proto we cannot read says nothing about what the browser reached (fail closed).
      if (s === null) return 'forwarded_invalid';
      scheme = s;
    }
    const fwdHost = firstValue(headers['x-forwarded-host']);
    if (fwdHost !== undefined && fwdHost !== '') host = fwdHost;
    const fwdPort = firstValue(headers['x-forwarded-port']);
    if (fwdPort !== undefined) {
      if (!/^\d{1,5}$/.test(fwdPort) || Number(fwdPort) > 65_535) return 'forwarded_invalid';
      port = Number(fwdPort);
    }
  }
  // No host to compare with: cannot prove same-origin (fail closed).
  const server = host === undefined ? null : parseServer(host, scheme, port);
  return server ?? 'host_invalid';
}

/**
 * Decide whether a request's `Origin` is acceptable.
 *
 * - no Origin: ok (CLI/SDK clients), unless `requireOrigin`;
 * - `Origin: null`: refused, even if "null" is in `allowedOrigins`;
 * - ok when the origin equals the server's own origin (see {@link isSameOrigin}; behind a
 *   trusted proxy the forwarded proto, host and port stand for the listener's), or equals an
 *   `allowedOrigins` entry (scheme, host and port compared after normalization).
 */
export function checkOrigin(input: {
  origin: string | undefined;
  headers: HeaderBag;
  /** `https` when this listener terminates TLS, else `http`. */
  listenerScheme: WebScheme;
  /** True only when the peer is a trusted proxy: only then are X-Forwarded-* believed. */
  behindProxy: boolean;
  allowedOrigins: readonly string[];
  requireOrigin?: boolean;
}): OriginCheck {
  const { origin, headers, behindProxy, allowedOrigins } = input;
  if (origin === undefined) {
    return input.requireOrigin === true ? { ok: false, reason: 'origin_missing' } : { ok: true };
  }
  // Sandboxed iframes, file:// pages and some redirects send "null": no identity to trust.
  if (origin.trim().toLowerCase() === 'null') return { ok: false, reason: 'origin_null' };
  const parsed = parseOrigin(origin);
  if (parsed === null) return { ok: false, reason: 'origin_invalid' };

  for (const allowed of allowedOrigins) {
    const a = parseOrigin(allowed.trim().replace(/\/$/, ''));
    // Unparseable config entries match nothing (config validation should have caught them).
    // Exact match only: a listed public origin does not extend to loopback look-alikes.
    if (a !== null && a.scheme === parsed.scheme && a.host === parsed.host && a.port === parsed.port) return { ok: true };
  }

  const server = serverEndpoint(headers, input.listenerScheme, behindProxy);
  if (typeof server === 'string') return { ok: false, reason: server };
  return sameEndpoint(parsed, server) ? { ok: true } : { ok: false, reason: 'origin_mismatch' };
}
