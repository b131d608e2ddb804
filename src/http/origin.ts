/**
 * Origin check for WebSocket upgrades (and anything else a browser can be tricked into).
 *
 * Threat: cross-site WebSocket hijacking — a page on evil.com opens `wss://localhost:13131/ws`
 * from the victim's browser, riding their cookie or Tier-2 locality. Browsers always send
 * `Origin` on WS handshakes, so a present Origin must name us: same host (or both loopback
 * names) and same port, or an origin listed in config. Parsing goes through WHATWG `URL`
 * so case, IDN and IP spellings compare as a browser would.
 */
import type { HeaderBag } from './locality.js';

/** Why an origin was refused; callers branch on this, not on log text. */
export type OriginRejection =
  | 'origin_missing'
  | 'origin_null'
  | 'origin_invalid'
  | 'host_invalid'
  | 'origin_mismatch';

/** Result of {@link checkOrigin}. */
export type OriginCheck = { ok: true } | { ok: false; reason: OriginRejection };

interface ParsedOrigin {
  scheme: 'http' | 'https' | 'ws' | 'wss';
  /** Lower-case, punycode, IPv6 without brackets. */
  hostname: string;
  port: number;
}

const DEFAULT_PORTS: Readonly<Record<ParsedOrigin['scheme'], number>> = { http: 80, ws: 80, https: 443, wss: 443 };

function isScheme(s: string): s is ParsedOrigin['scheme'] {
  return s === 'http' || s === 'https' || s === 'ws' || s === 'wss';
}

/** Characters no origin or Host header legitimately carries; URL would silently "fix" some. */
const FORBIDDEN_CHARS = /[\s\\/?#@]/;

function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Parse `scheme://host[:port]`; `null` for anything else (path, userinfo, odd scheme, junk). */
function parseOrigin(origin: string): ParsedOrigin | null {
  const sep = origin.indexOf('://');
  if (sep === -1) return null;
  // Everything after `://` must be a bare authority: no path, query, fragment or userinfo.
  if (FORBIDDEN_CHARS.test(origin.slice(sep + 3)) || /\s/.test(origin)) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  const scheme = url.protocol.slice(0, -1);
  if (!isScheme(scheme) || url.hostname === '') return null;
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  return { scheme, hostname: unbracket(url.hostname), port };
}

/** Parse a Host value with the origin's scheme so a missing port gets that scheme's default. */
function parseHost(host: string, scheme: ParsedOrigin['scheme']): { hostname: string; port: number } | null {
  const trimmed = host.trim();
  if (trimmed === '' || FORBIDDEN_CHARS.test(trimmed)) return null;
  const parsed = parseOrigin(`${scheme}://${trimmed}`);
  return parsed === null ? null : { hostname: parsed.hostname, port: parsed.port };
}

/**
 * Loopback names on either side are interchangeable (`localhost` vs `127.0.0.1`), since they
 * all reach this machine. `localhost.evil.com` is a public name and does not qualify.
 */
function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '::1' ||
    (hostname.endsWith('.localhost') && hostname.length > '.localhost'.length);
}

/**
 * True when `origin` (an `Origin` header value) names the server reached via `host` (a
 * `Host`-style `name[:port]`): equal host names, or both loopback names, and equal ports
 * (missing ports default from the origin's scheme). `null` and malformed origins never match.
 */
export function isSameOrigin(origin: string, host: string): boolean {
  const o = parseOrigin(origin);
  // Opaque (`null`) or malformed origins cannot be compared, so they never match (fail closed).
  if (o === null) return false;
  const h = parseHost(host, o.scheme);
  if (h === null) return false;
  if (o.port !== h.port) return false;
  return o.hostname === h.hostname || (isLoopbackName(o.hostname) && isLoopbackName(h.hostname));
}

function firstValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = typeof value === 'string' ? value : value.join(',');
  const first = joined.split(',')[0]?.trim();
  return first === '' ? undefined : first;
}

/**
 * Decide whether a request's `Origin` is acceptable.
 *
 * - no Origin: ok (CLI/SDK clients), unless `requireOrigin`;
 * - `Origin: null`: refused, even if "null" is in `allowedOrigins`;
 * - expected host: `Host`, or behind a proxy the first `X-Forwarded-Host` value (falling back to `Host`);
 * - ok when {@link isSameOrigin} holds or the origin equals an `allowedOrigins` entry
 *   (scheme, host and port compared after normalization).
 */
export function checkOrigin(input: {
  origin: string | undefined;
  headers: HeaderBag;
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
    if (a !== null && a.scheme === parsed.scheme && a.hostname === parsed.hostname && a.port === parsed.port) {
      return { ok: true };
    }
  }

  const rawHost = headers['host'];
  const host = (behindProxy ? firstValue(headers['x-forwarded-host']) : undefined) ??
    (typeof rawHost === 'string' ? rawHost : undefined);
  // No host to compare with: cannot prove same-origin (fail closed).
  if (host === undefined || parseHost(host, parsed.scheme) === null) return { ok: false, reason: 'host_invalid' };
  return isSameOrigin(origin, host) ? { ok: true } : { ok: false, reason: 'origin_mismatch' };
}
