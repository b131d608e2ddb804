/**
 * Served names and IPs: normalisation, the SAN set a leaf must carry, the CA's permitted
 * subtrees, and RFC 5280 subtree matching. Pure functions; no network probing.
 */
import { isIP } from 'node:net';
import { cidrMatcher, isLoopbackAddress, normalizeIp, parseCidr } from '../net/index.js';
import { TlsError } from './errors.js';

/** Names every leaf carries and every CA permits, whatever the configuration. */
export const BASE_DNS = ['localhost', 'moltis.localhost'] as const;
export const BASE_IPS = ['127.0.0.1', '::1'] as const;
/** Loopback subtrees the CA always permits (RFC 5280 iPAddress constraint = address + mask). */
export const BASE_IP_SUBTREES = ['127.0.0.0/8', '::1/128'] as const;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cases a DNS name and drops a trailing dot; throws INVALID_NAME unless every label is valid. */
export function normalizeDnsName(input: string): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  const body = name.startsWith('*.') ? name.slice(2) : name;
  const ok = name.length > 0 && name.length <= 253 && body.split('.').every((l) => LABEL.test(l)) && isIP(body) === 0;
  // Fail closed: a name we cannot validate never reaches a certificate.
  if (!ok) throw new TlsError('INVALID_NAME', `invalid TLS name "${input}": expected a DNS name such as "myhost.lan" (use [tls] extra_names for LAN names)`);
  return name;
}

/**
 * A configured IP for a certificate, in net's `normalizeIp` form (RFC 5952 IPv6, a mapped IPv4 as
 * IPv4); throws INVALID_IP otherwise. Only the standard notation (`net.isIP`) is accepted: a
 * certificate is configuration, and `010.0.0.1` means 10.0.0.1 to a person but 8.0.0.1 to a URL.
 */
export function certIp(input: string): string {
  const ip = input.trim().replace(/^\[(.*:.*)\]$/, '$1'); // brackets around IPv6 only
  // Zone ids (fe80::1%eth0) name an interface, not an address a certificate can carry.
  const canonical = normalizeIp(ip, { strict: true });
  if (canonical === null) throw new TlsError('INVALID_IP', `invalid TLS IP "${input}": expected an IPv4 or IPv6 literal such as "192.168.1.10" or "fd00::10"`);
  return canonical;
}

/** RFC 5280 dNSName constraint: the subtree itself or any name formed by adding labels on the left. */
export function dnsWithin(name: string, subtree: string): boolean {
  const n = name.toLowerCase().replace(/^\*\./, '');
  const s = subtree.toLowerCase().replace(/^\./, '');
  return n === s || n.endsWith(`.${s}`);
}

/** RFC 5280 iPAddress constraint, with the subtree given as `address/prefix`. */
export function ipWithin(ip: string, subtree: string): boolean {
  const c = parseCidr(subtree);
  // Fail closed: an unparseable subtree permits nothing.
  return c.ok && cidrMatcher([c.cidr])(ip);
}

/** The SANs a leaf must carry, as `dns:<name>` / `ip:<addr>` (the server-sans.txt line format). */
export function requiredSans(names: readonly string[], ips: readonly string[]): { dns: string[]; ips: string[]; keys: string[] } {
  const dns = unique([...BASE_DNS, ...names.map(normalizeDnsName)]);
  const ipList = unique([...BASE_IPS, ...ips.map(certIp)]);
  return { dns, ips: ipList, keys: [...dns.map((d) => `dns:${d}`), ...ipList.map((i) => `ip:${i}`)] };
}

/**
 * The CA's permitted subtrees: the base localhost/loopback set plus each configured name and IP
 * not already covered. Everything else (evil.com, 10.0.0.1, …) is outside, so a leaf for it signed
 * by a leaked CA key is still rejected by clients that enforce name constraints.
 */
export function permittedSubtrees(names: readonly string[], ips: readonly string[]): { dns: string[]; ips: string[] } {
  const dns: string[] = [...BASE_DNS];
  for (const n of names.map(normalizeDnsName).map((x) => x.replace(/^\*\./, ''))) {
    if (!dns.some((s) => dnsWithin(n, s))) dns.push(n);
  }
  const ipTrees: string[] = [...BASE_IP_SUBTREES];
  for (const ip of ips.map(certIp)) {
    if (!ipTrees.some((s) => ipWithin(ip, s))) ipTrees.push(`${ip}/${isIP(ip) === 4 ? 32 : 128}`);
  }
  return { dns, ips: ipTrees };
}

/**
 * Names and IPs to serve beyond the always-present localhost set, derived from the bind address.
 * Loopback and wildcard binds add nothing: we deliberately do not probe the network for the
 * primary LAN IP (the original "connected" a UDP socket to 8.8.8.8) — users who reach the
 * gateway over a LAN list those names/IPs in `[tls] extra_names`.
 * `hostname` (e.g. os.hostname()) adds itself lower-cased and `<hostname>.local` when it has no dot;
 * a hostname that is not a valid DNS name is skipped (it is environmental, not configuration).
 * Extra names are split into DNS names and IP literals; they are validated by ensureAutoTls.
 */
export function defaultServedNames(bind: string, extraNames: readonly string[], hostname?: string): { names: string[]; ips: string[] } {
  const names: string[] = [];
  const ips: string[] = [];
  const b = bind.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(b) !== 0) {
    // A zone-scoped bind (fe80::1%eth0) cannot appear in a certificate: serve it by name instead.
    const ip = tryNormalizeIp(b);
    if (ip !== null && ip !== '0.0.0.0' && ip !== '::' && !isLoopbackAddress(ip)) ips.push(ip);
  } else if (b !== '' && !dnsWithin(b, 'localhost')) {
    names.push(b.replace(/\.$/, ''));
  }
  const host = (hostname ?? '').trim().toLowerCase().replace(/\.$/, '');
  if (host !== '' && !dnsWithin(host, 'localhost') && isValidDns(host)) {
    names.push(host);
    if (!host.includes('.')) names.push(`${host}.local`);
  }
  for (const raw of extraNames) {
    const x = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (x === '') continue;
    if (isIP(x) !== 0) ips.push(tryNormalizeIp(x) ?? x);
    else names.push(x.toLowerCase());
  }
  return { names: unique(names), ips: unique(ips) };
}

function tryNormalizeIp(ip: string): string | null {
  try {
    return certIp(ip);
  } catch {
    return null;
  }
}

function isValidDns(name: string): boolean {
  try {
    normalizeDnsName(name);
    return true;
  } catch {
    return false;
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
