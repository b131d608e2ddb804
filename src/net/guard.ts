import { promises as dns } from 'node:dns';
import { classifyAddress, normalizeIp } from './ip.js';
import { cidrMatcher, parseCidr, type Cidr } from './cidr.js';
import type { NetErrorCode } from './errors.js';

/** Name resolution, injected so tests (and rebinding drills) pin what a name resolves to. */
export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** Options shared by every guarded check. */
export interface GuardOptions {
  /** CIDRs allowed even though non-public (e.g. a sibling Docker network). Invalid entries are ignored. */
  allowlist?: string[];
  /** Resolver; default is the system resolver with all addresses, in system order. */
  lookup?: Lookup;
}

/** Outcome of a check; `address` is present only when allowed and is the one to dial. */
export interface GuardResult {
  allowed: boolean;
  url: string;
  hostname: string;
  addresses: string[];
  address?: string;
  reason: string;
  /** Why it was refused, as a NetError code (absent when allowed). */
  code?: NetErrorCode;
}

/** Cloud metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba). */
export const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'] as const;

/** The system resolver: every address, in the order the system returns them. */
export const systemLookup: Lookup = async (hostname) => {
  const rows = await dns.lookup(hostname, { all: true, verbatim: true });
  return rows.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

/**
 * One warning per allowlist entry that is invalid (it will be ignored) or that covers a cloud
 * metadata address (opening it hands the agent the host's cloud credentials).
 */
export function allowlistWarnings(cidrs: string[]): string[] {
  const out: string[] = [];
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (!c.ok) {
      out.push(`ssrf_allowlist entry "${text}" is not a valid CIDR and is ignored: ${c.problem}`);
      continue;
    }
    const inside = cidrMatcher([c.cidr]);
    const hits = METADATA_ADDRESSES.filter(inside);
    if (hits.length > 0) {
      out.push(`ssrf_allowlist entry "${text}" covers cloud metadata address ${hits.join(', ')}: web_fetch can reach instance credentials`);
    }
  }
  return out;
}

function refuse(base: Omit<GuardResult, 'allowed' | 'reason' | 'code'>, code: NetErrorCode, reason: string): GuardResult {
  return { ...base, allowed: false, reason, code };
}

/**
 * Checks a URL for fetching: http/https only, no credentials, resolve the name once, and refuse
 * if ANY address is non-public and outside the allowlist. The returned `address` is the checked
 * one; the caller must dial exactly it (never resolve again).
 */
export async function resolveAndGuard(url: string, o: GuardOptions): Promise<GuardResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return refuse({ url, hostname: '', addresses: [] }, 'BAD_URL', 'invalid URL');
  }
  const base = { url: u.href, hostname: u.hostname, addresses: [] as string[] };
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return refuse(base, 'BAD_URL', `scheme ${u.protocol} is not allowed (http and https only)`);
  }
  // Credentials in a fetched URL would leak to the target and hide the real host from readers.
  if (u.username !== '' || u.password !== '') return refuse(base, 'BAD_URL', 'credentials in URL are not allowed');
  if (u.hostname === '') return refuse(base, 'BAD_URL', 'URL has no host');

  let addresses: string[];
  const literal = normalizeIp(u.hostname);
  if (literal) {
    addresses = [literal];
  } else {
    try {
      const rows = await (o.lookup ?? systemLookup)(u.hostname);
      addresses = rows.map((r) => normalizeIp(r.address) ?? r.address);
    } catch (err) {
      // Fail closed: an unresolvable name is not fetched.
      return refuse(base, 'FETCH_FAILED', `DNS resolution failed for ${u.hostname}: ${(err as Error).message}`);
    }
  }
  base.addresses = addresses;
  // Fail closed: no address means nothing was checked.
  if (addresses.length === 0) return refuse(base, 'FETCH_FAILED', `DNS resolution failed for ${u.hostname}: no addresses`);

  // Invalid entries are ignored (allowlistWarnings says so at start-up): they allow nothing.
  const inAllowlist = cidrMatcher((o.allowlist ?? []).map(parseCidr).flatMap((c): Cidr[] => (c.ok ? [c.cidr] : [])));
  for (const ip of addresses) {
    const cls = classifyAddress(ip);
    if (cls.public || inAllowlist(ip)) continue;
    // Fail closed: one non-public address poisons the name (the client might pick it).
    return refuse(base, 'SSRF_BLOCKED', `SSRF blocked: ${u.hostname} resolves to ${cls.range} address ${ip}`);
  }
  const address = addresses[0]!;
  const how = literal ? 'is' : 'resolves to';
  return { ...base, allowed: true, address, reason: `${u.hostname} ${how} ${addresses.join(', ')}: allowed` };
}

/** The `moltis net check URL` line: exactly the web_fetch guard, reduced to what a user reads. */
export async function netCheck(url: string, o: GuardOptions): Promise<{ url: string; allowed: boolean; addresses: string[]; reason: string }> {
  const r = await resolveAndGuard(url, o);
  return { url: r.url, allowed: r.allowed, addresses: r.addresses, reason: r.reason };
}
