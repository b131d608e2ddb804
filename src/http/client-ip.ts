/**
 * Client IP for throttling, the login guard and audit — never for authorization.
 *
 * Threat: the original took the left-most `X-Forwarded-For` entry, which the client writes
 * itself, so one attacker could be any number of "clients" and dodge every per-IP limit.
 * Here forwarding headers count only when the TCP peer is a configured trusted proxy, and
 * `X-Forwarded-For` is read from the right (the end our own proxies appended), stopping at
 * the first hop we do not trust.
 */
import { isIPv4 } from 'node:net';
import { cidrMatcher, normalizeIp, parseCidr, type Cidr } from '../net/index.js';
import type { HeaderBag } from './locality.js';

/** Options for {@link createClientIpResolver}. */
export interface ClientIpOptions {
  /** `MOLTIS_BEHIND_PROXY`: forwarding headers are ignored entirely when false. */
  behindProxy: boolean;
  /** CIDRs (`10.0.0.0/8`, `fd00::/8`) or single addresses of proxies we trust to append XFF. */
  trustedProxies: readonly string[];
}

/** `(peerAddress, headers) => client IP`; returns `unknown` when there is no peer address. */
export type ClientIpResolver = (peerAddress: string | undefined, headers: HeaderBag) => string;

/** Shared bucket for requests whose socket has no address; they throttle together. */
export const UNKNOWN_CLIENT_IP = 'unknown';

/**
 * Parse one `X-Forwarded-For` / `X-Real-IP` entry: `ip`, `ipv4:port`, `[ipv6]` or `[ipv6]:port`.
 * Returns the normalized address or `null` for anything else (`unknown`, `_hidden`, junk).
 */
export function parseForwardedEntry(raw: string): string | null {
  const entry = raw.trim();
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    if (end === -1) return null;
    const rest = entry.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    // Brackets are for IPv6 only; `[1.2.3.4]` is not something a proxy writes.
    const inner = entry.slice(1, end);
    return inner.includes(':') ? standardIp(inner) : null;
  }
  const colon = entry.indexOf(':');
  if (colon !== -1 && colon === entry.lastIndexOf(':')) {
    // Exactly one colon: `ipv4:port`.
    if (!/^\d{1,5}$/.test(entry.slice(colon + 1))) return null;
    const host = entry.slice(0, colon);
    return isIPv4(host) ? standardIp(host) : null;
  }
  return standardIp(entry);
}

/** Proxies write the standard notation; other spellings (`127.1`, `2130706433`) are junk here. */
function standardIp(text: string): string | null {
  return normalizeIp(text, { strict: true });
}

/** Compiles trust rules once; a malformed entry is a config error, thrown at startup. */
function buildTrustCheck(rules: readonly string[]): (ip: string) => boolean {
  const cidrs: Cidr[] = [];
  for (const rule of rules) {
    const c = parseCidr(rule.trim());
    // Refuse to guess what a broken trust rule meant (fail closed at startup).
    if (!c.ok) throw new RangeError(`invalid trusted proxy CIDR ${JSON.stringify(rule)}: ${c.problem}`);
    cidrs.push(c.cidr);
  }
  return cidrMatcher(cidrs);
}

/**
 * A predicate telling whether a socket peer is one of the configured reverse proxies. Only such
 * peers may speak for the client through X-Forwarded-* headers (for, host, proto).
 */
export function createTrustedPeerCheck(trustedProxies: readonly string[]): (peerAddress: string | undefined) => boolean {
  const isTrusted = buildTrustCheck(trustedProxies);
  return (peerAddress) => peerAddress !== undefined && isTrusted(peerAddress);
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/**
 * Resolve the client IP a request should be accounted to. The trust list is compiled once.
 *
 * - not behind a proxy: the TCP peer, always (`::ffff:a.b.c.d` shown as `a.b.c.d`);
 * - behind a proxy but the peer is not trusted: the peer (a direct caller cannot spoof);
 * - trusted peer: `X-Forwarded-For` (all instances, comma-joined) walked right to left,
 *   skipping trusted hops; the first untrusted hop is the client; all trusted → left-most;
 *   without XFF, `X-Real-IP`, then `CF-Connecting-IP`.
 *
 * Garbage never becomes a client IP: an unparseable hop stops the walk and the peer is used.
 */
export function createClientIpResolver(options: ClientIpOptions): ClientIpResolver {
  const { behindProxy } = options;
  const isTrusted = buildTrustCheck(options.trustedProxies);

  return function resolveClientIp(peerAddress, headers) {
    // No socket address: one shared bucket rather than no bucket (fail closed).
    if (peerAddress === undefined) return UNKNOWN_CLIENT_IP;
    const peer = normalizeIp(peerAddress) ?? peerAddress;
    if (!behindProxy) return peer;
    // Headers from a caller that is not our proxy are whatever the caller wanted them to be.
    if (!isTrusted(peer)) return peer;

    const xff = headerValues(headers['x-forwarded-for']);
    if (xff.length > 0) {
      const hops = xff.join(',').split(',');
      let leftmostTrusted = peer;
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = parseForwardedEntry(hops[i] ?? '');
        // A hop we cannot read: keep the last address we can vouch for, the peer (fail closed).
        if (hop === null) return peer;
        if (!isTrusted(hop)) return hop;
        leftmostTrusted = hop;
      }
      // Every hop is one of our proxies: the request started inside the trusted network.
      return leftmostTrusted;
    }

    for (const name of ['x-real-ip', 'cf-connecting-ip'] as const) {
      const value = headers[name];
      if (value === undefined) continue;
      // These carry one address; several instances or junk fall back to the peer (fail closed).
      if (typeof value !== 'string') return peer;
      return parseForwardedEntry(value) ?? peer;
    }
    return peer;
  };
}

/**
 * One-shot form of {@link createClientIpResolver}. Compiles the trust list on every call, so
 * servers should build a resolver once; this exists for tests and scripts.
 */
export function resolveClientIp(input: {
  peerAddress: string | undefined;
  headers: HeaderBag;
  behindProxy: boolean;
  trustedProxies: readonly string[];
}): string {
  return createClientIpResolver(input)(input.peerAddress, input.headers);
}
