/**
 * "Is this request local?" — the gate for Tier-2 (no credentials, loopback-only) trust.
 *
 * Threat: any request we misjudge as local gets full operator scopes without a credential.
 * So every test below must pass; anything unexpected (missing peer, odd Host, a forwarding
 * header of any value) makes the request remote.
 */
import { isIP, isIPv4 } from 'node:net';

/** Request headers as node gives them: lower-case names, repeated headers as arrays. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Headers whose mere presence means a proxy (or someone pretending to be one) sits in front.
 * A same-host reverse proxy would otherwise make every remote visitor look like loopback.
 */
const FORWARDING_HEADERS = ['x-forwarded-for', 'x-real-ip', 'cf-connecting-ip', 'forwarded'] as const;

/** Host names that are loopback by definition (RFC 6761 for `localhost` and `*.localhost`). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Host part of a `Host` header: port stripped, `[v6]:port` unbracketed, a bare multi-colon
 * IPv6 taken as-is, lower-cased, one trailing dot removed (`localhost.` is `localhost`).
 * A malformed bracket form is returned lower-cased but otherwise untouched, so it matches
 * nothing downstream.
 */
export function hostPart(hostHeader: string): string {
  let host = hostHeader.trim();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    // Unterminated bracket: leave it as garbage so no comparison can succeed (fail closed).
    if (end !== -1) host = host.slice(1, end);
  } else {
    const firstColon = host.indexOf(':');
    // Exactly one colon means `name:port`; several mean a bare IPv6 literal, kept whole.
    if (firstColon !== -1 && firstColon === host.lastIndexOf(':')) host = host.slice(0, firstColon);
  }
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** True for `localhost`, `127.0.0.1`, `::1` and `<label>.localhost` (already normalized by {@link hostPart}). */
export function isLoopbackHostName(host: string): boolean {
  if (LOOPBACK_HOSTS.has(host)) return true;
  return host.endsWith('.localhost') && host.length > '.localhost'.length;
}

/**
 * Canonical text form of an IP address: IPv4-mapped IPv6 (`::ffff:1.2.3.4`, in any spelling)
 * becomes the plain IPv4 address, IPv6 is lower-cased and compressed. Returns `null` when the
 * input is not an IP address.
 */
export function normalizeIp(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) return null;
  let canonical: string;
  try {
    // The WHATWG URL parser compresses IPv6 and rewrites a mapped IPv4 tail as hex.
    canonical = new URL(`http://[${ip}]`).hostname.slice(1, -1);
  } catch {
    // Zone IDs (`fe80::1%eth0`) are valid for node but not for URL: keep them verbatim.
    return ip.toLowerCase();
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped !== null) {
    const hi = parseInt(mapped[1] ?? '0', 16);
    const lo = parseInt(mapped[2] ?? '0', 16);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return canonical;
}

/**
 * True for IPv4 127.0.0.0/8, IPv6 `::1`, and IPv4-mapped loopback (`::ffff:127.x.y.z`).
 * The original missed the mapped form, which is what a dual-stack (`::`) listener reports.
 */
export function isLoopbackAddress(ip: string): boolean {
  const normalized = normalizeIp(ip);
  // Not an IP at all: never loopback (fail closed).
  if (normalized === null) return false;
  if (isIPv4(normalized)) return normalized.startsWith('127.');
  return normalized === '::1';
}

/**
 * True only when the request is provably from this machine, straight to us:
 * not behind a proxy, no forwarding header (any value, even empty), a loopback `Host`
 * (or none), and a loopback TCP peer. A missing peer address is remote.
 */
export function isLocalConnection(input: {
  behindProxy: boolean;
  headers: HeaderBag;
  peerAddress: string | undefined;
}): boolean {
  const { behindProxy, headers, peerAddress } = input;
  // Behind a proxy every request arrives from loopback, so locality cannot be proven.
  if (behindProxy) return false;
  for (const name of FORWARDING_HEADERS) {
    // Presence alone disqualifies: a value of "127.0.0.1" proves nothing.
    if (headers[name] !== undefined) return false;
  }
  const host = headers['host'];
  if (host !== undefined) {
    // Several Host values are a smuggling signal, not something to pick from (fail closed).
    if (typeof host !== 'string') return false;
    // A non-loopback Host means a DNS-rebinding page or a remote name pointing at us.
    if (!isLoopbackHostName(hostPart(host))) return false;
  }
  // Unknown peer (socket already gone): fail closed.
  if (peerAddress === undefined) return false;
  return isLoopbackAddress(peerAddress);
}
