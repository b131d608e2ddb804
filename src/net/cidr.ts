/**
 * THE CIDR parser and matcher, for every address rule: `[server] trusted_proxies`, the SSRF
 * allowlist, the TLS CA's iPAddress subtrees. Matching is node's `BlockList`; addresses are
 * compared after `normalizeIp`, so a mapped `::ffff:10.0.0.1` peer is inside `10.0.0.0/8`.
 */
import { BlockList, isIP } from 'node:net';
import { normalizeIp } from './ip.js';

/** One network: canonical base address, prefix length, family. */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Result of {@link parseCidr}: the network, or what is wrong with the text. */
export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; problem: string };

/**
 * Parses `address/prefix`, or a bare address as a single host (/32, /128). The address must be
 * written as `net.isIP` accepts it: a rule is configuration, and `10/8` or `010.0.0.0/8` mean
 * different networks to a person and to a URL parser, so such spellings are refused rather than
 * guessed. An IPv4-mapped base (`::ffff:10.0.0.0/104`) is taken as the IPv4 network it covers.
 */
export function parseCidr(text: string): CidrParse {
  const [addr = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return { ok: false, problem: `"${text}" has more than one "/"; expected e.g. "10.0.0.0/8" or "fd00::/8"` };
  // Standard notation only; a zone id (an interface) is not part of a network either.
  const base = normalizeIp(addr, { strict: true });
  if (base === null) return { ok: false, problem: `"${addr}" is not an IP address; expected e.g. "10.0.0.0/8" or "fd00::/8"` };
  const family = isIP(base) === 4 ? 'ipv4' : 'ipv6';
  const mapped = family === 'ipv4' && addr.includes(':');
  const written = mapped ? 128 : family === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { ok: false, problem: `"${prefixText}" is not a prefix length; expected a number such as 8 or 64` };
  const prefix = prefixText === undefined ? written : Number(prefixText);
  if (prefix > written) return { ok: false, problem: `prefix length ${prefix} is too long for IPv${written === 32 ? 4 : 6} (at most ${written})` };
  if (mapped) {
    // Below /96 a mapped base names IPv6 space beyond IPv4; refuse rather than guess.
    if (prefix < 96) return { ok: false, problem: `"${text}" mixes an IPv4-mapped address with a prefix below 96; write the IPv4 network instead` };
    return { ok: true, cidr: { address: base, prefix: prefix - 96, family } };
  }
  return { ok: true, cidr: { address: base, prefix, family } };
}

/**
 * A predicate "is this address inside one of these networks?". Anything that is not an IP is
 * outside (fail closed). The list is compiled once; the returned function holds no other state.
 */
export function cidrMatcher(cidrs: readonly Cidr[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return (ip) => {
    const n = normalizeIp(ip);
    return n !== null && list.check(n, isIP(n) === 4 ? 'ipv4' : 'ipv6');
  };
}
