import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';

/** Classification of one address: `public` is true only for globally routable unicast. */
export interface AddressClass {
  public: boolean;
  range: string;
}

type Family = 'ipv4' | 'ipv6';

/**
 * One single-subnet BlockList per row, checked in row order. Built once at module load and never
 * mutated afterwards (read-only tables, not state).
 */
function table(family: Family, rows: Array<[string, string]>): Array<[string, BlockList]> {
  return rows.map(([cidr, name]) => {
    const [net, bits] = cidr.split('/') as [string, string];
    const list = new BlockList();
    list.addSubnet(net, Number(bits), family);
    return [name, list];
  });
}

// Order matters only for naming: the first matching row names the address.
const V4_RANGES = table('ipv4', [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'rfc1918'],
  ['172.16.0.0/12', 'rfc1918'],
  ['192.168.0.0/16', 'rfc1918'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['100.64.0.0/10', 'cgnat'],
  ['192.0.0.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast
  ['192.0.2.0/24', 'documentation'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['198.18.0.0/15', 'benchmark'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

// Embedded-IPv4 forms (mapped, compatible, NAT64, 6to4) are handled before this table.
const V6_RANGES = table('ipv6', [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'ula'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['100::/64', 'discard'],
  ['2001::/23', 'ietf-special'], // includes Teredo 2001::/32; a few global exceptions are refused too
  ['5f00::/16', 'reserved'], // SRv6 SIDs
]);
const V6_GLOBAL_UNICAST = table('ipv6', [['2000::/3', 'global']])[0]![1];

/** Parses a dotted-quad IPv4 (strict, as `net.isIPv4` accepts it) into 4 bytes. */
function v4Bytes(s: string): number[] | null {
  if (!isIPv4(s)) return null;
  return s.split('.').map(Number);
}

/** Expands an IPv6 literal (no brackets, no zone) to 16 bytes; null if it is not one. */
export function ipv6Bytes(s: string): Uint8Array | null {
  if (!isIPv6(s) || s.includes('%')) return null;
  let text = s;
  let tail: number[] | null = null;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = v4Bytes(last);
    if (!tail) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - left.length - right.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** RFC 5952 text of 16 bytes; IPv4-mapped addresses keep their dotted tail (`::ffff:1.2.3.4`). */
export function formatIpv6(b: Uint8Array): string {
  if (isMapped(b)) return `::ffff:${dotted(b, 12)}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // a single zero group is never compressed
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function dotted(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function zeros(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function isMapped(b: Uint8Array): boolean {
  return zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff;
}

/**
 * THE IP normalizer: what address a piece of text denotes, as canonical text, or null if it is
 * not an IP literal. Every capability (SSRF guard, egress proxy, locality, client IP, TLS names,
 * CIDR rules) goes through this one function, so none can disagree about what an address is.
 *
 * Contract:
 * - IPv4 in every spelling the WHATWG URL host parser accepts (`0x7f.1`, `2130706433`,
 *   `0177.0.0.1`, `127.1`): that is what an HTTP client would dial, so it is what must be checked.
 *   Out: the dotted quad.
 * - `strict: true` accepts only the standard notation (`net.isIP`: dotted quad without leading
 *   zeros, unbracketed IPv6): for configuration and for headers our own proxies write, where
 *   `010.0.0.1` (8.0.0.1 to a URL parser, 10.0.0.1 to a person) or `10` is a mistake to refuse.
 *   Same output; never a different address, only fewer accepted spellings.
 * - IPv6, bare or in brackets, any valid spelling. Out: RFC 5952 text, lower-case, unbracketed.
 * - IPv4-mapped IPv6 (`::ffff:a.b.c.d`, any spelling) is the IPv4 address: it is how a
 *   dual-stack socket reports an IPv4 peer, and it reaches the same host. Out: the dotted quad.
 * - null for names, zone ids (`fe80::1%eth0`), brackets around IPv4, whitespace and junk.
 */
export function normalizeIp(text: string, o: { strict?: boolean } = {}): string | null {
  if (o.strict === true && isIP(text) === 0) return null;
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (inner.includes(':')) {
    const bytes = ipv6Bytes(inner);
    if (!bytes) return null;
    return isMapped(bytes) ? dotted(bytes, 12) : formatIpv6(bytes);
  }
  if (inner !== text) return null; // brackets around a non-IPv6
  if (!/^[0-9a-fA-FxX.]+$/.test(inner)) return null;
  try {
    const parsed = new URL(`http://${inner}/`).hostname;
    return isIPv4(parsed) ? parsed : null;
  } catch {
    return null; // e.g. `1.2.3.09` or `256.1.1.1`: not a valid host at all
  }
}

function classifyV4(ip: string): AddressClass {
  for (const [range, list] of V4_RANGES) if (list.check(ip, 'ipv4')) return { public: false, range };
  return { public: true, range: 'public' };
}

/** Classifies an IPv4 address embedded in IPv6 by the IPv4 range, tagged with the embedding. */
function embedded(tag: string, b: Uint8Array, at: number): AddressClass {
  const inner = classifyV4(dotted(b, at));
  return { public: inner.public, range: `${tag}:${inner.range}` };
}

function classifyV6(b: Uint8Array): AddressClass {
  if (zeros(b, 0, 16)) return { public: false, range: 'unspecified' };
  if (zeros(b, 0, 15) && b[15] === 1) return { public: false, range: 'loopback' };
  if (isMapped(b)) return embedded('ipv4-mapped', b, 12);
  if (zeros(b, 0, 12)) {
    // Deprecated (RFC 4291 §2.5.5.1) and never legitimately public: refuse whatever it embeds.
    return { public: false, range: `ipv4-compatible:${classifyV4(dotted(b, 12)).range}` };
  }
  const head = (b[0]! << 8) | b[1]!;
  if (head === 0x0064 && b[2] === 0xff && b[3] === 0x9b) {
    if (zeros(b, 4, 12)) return embedded('nat64', b, 12);
    // 64:ff9b:1::/48 is local-use NAT64 with an operator-chosen layout: fail closed.
    if (b[4] === 0 && b[5] === 1) return { public: false, range: 'nat64-local' };
  }
  if (head === 0x2002) return embedded('6to4', b, 2);
  const text = formatIpv6(b);
  for (const [range, list] of V6_RANGES) if (list.check(text, 'ipv6')) return { public: false, range };
  // Only 2000::/3 is allocated global unicast; anything else is not a public destination.
  if (!V6_GLOBAL_UNICAST.check(text, 'ipv6')) return { public: false, range: 'reserved' };
  return { public: true, range: 'public' };
}

/**
 * Classifies an address (brackets and a `%zone` suffix tolerated). Anything that does not parse
 * is non-public: fail closed.
 */
export function classifyAddress(ip: string): AddressClass {
  let text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (isIPv4(text)) return classifyV4(text);
  const bytes = ipv6Bytes(text);
  // Fail closed: not an address we can reason about.
  if (!bytes) return { public: false, range: 'invalid' };
  const cls = classifyV6(bytes);
  // A zone id only makes sense for on-link destinations: never public.
  if (zone >= 0 && cls.public) return { public: false, range: 'scoped' };
  return cls;
}

/**
 * True for every loopback address: all of 127.0.0.0/8, `::1`, and IPv4-mapped 127.x (what a
 * dual-stack listener reports). The one loopback test for addresses; names go through
 * `isLoopbackHost`. Anything that is not an IP is not loopback (fail closed).
 */
export function isLoopbackAddress(ip: string): boolean {
  const n = normalizeIp(ip);
  return n !== null && classifyAddress(n).range === 'loopback';
}
