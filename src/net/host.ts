/**
 * Host names as they reach us in a `Host` header, `X-Forwarded-Host` or an `Origin`, and the one
 * answer to "is this host loopback?" (locality, the origin check, HSTS and the egress proxy all
 * ask it here).
 */
import { isLoopbackAddress, normalizeIp } from './ip.js';

/** A parsed authority: canonical host (IPv6 unbracketed) and the port, if one was written. */
export interface Authority {
  /** Lower-case, punycode, one trailing dot dropped; an IP literal in `normalizeIp` form. */
  host: string;
  port: number | null;
}

/** Characters no authority legitimately carries; the URL parser would silently "fix" some. */
const FORBIDDEN = /[\s\\/?#@%]/;

function parsePort(text: string | undefined): number | null | undefined {
  if (text === undefined || text === '') return null; // RFC 3986: an empty port is no port
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65_535 ? n : undefined;
}

/**
 * Parses `name[:port]`, `ipv4[:port]`, `[ipv6][:port]` or a bare IPv6 (several colons, no port),
 * as a browser's URL parser would read the host. Returns null for anything else: userinfo, path,
 * whitespace, percent-escapes, a bad port, brackets around a non-IPv6, an unterminated bracket.
 */
export function parseAuthority(text: string): Authority | null {
  if (text === '' || FORBIDDEN.test(text)) return null;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const rest = end === -1 ? '' : text.slice(end + 1);
    if (end === -1 || (rest !== '' && !rest.startsWith(':'))) return null;
    const inner = text.slice(1, end);
    // Brackets are for IPv6 only (`[127.0.0.1]` is not a host).
    const ip = inner.includes(':') ? normalizeIp(inner) : null;
    const port = parsePort(rest === '' ? undefined : rest.slice(1));
    return ip === null || port === undefined ? null : { host: ip, port };
  }
  const colon = text.indexOf(':');
  if (colon !== -1 && colon !== text.lastIndexOf(':')) {
    // Several colons without brackets: a bare IPv6 literal, which cannot carry a port.
    const ip = normalizeIp(text);
    return ip === null ? null : { host: ip, port: null };
  }
  const port = parsePort(colon === -1 ? undefined : text.slice(colon + 1));
  if (port === undefined) return null;
  let host: string;
  try {
    // The WHATWG host parser: lower-case, IDN to punycode, every IPv4 spelling to a dotted quad.
    host = new URL(`http://${colon === -1 ? text : text.slice(0, colon)}/`).hostname;
  } catch {
    return null;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host === '' ? null : { host, port };
}

/**
 * True when `host` (a `Host`-style authority: name or IP literal, with or without a port,
 * bracketed IPv6 included) is loopback: `localhost`, `*.localhost` (RFC 6761), all of
 * 127.0.0.0/8, `::1` and `::ffff:127.x.y.z`. `localhost.evil.com` is a public name. Anything
 * unparseable is not loopback (fail closed).
 */
export function isLoopbackHost(host: string): boolean {
  const a = parseAuthority(host);
  if (a === null) return false;
  if (a.host === 'localhost') return true;
  if (a.host.endsWith('.localhost') && a.host.length > '.localhost'.length) return true;
  return isLoopbackAddress(a.host);
}
