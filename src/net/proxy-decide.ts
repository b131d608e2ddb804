/**
 * The egress proxy's per-request decision: allowlist (policy, injected), port, one guarded
 * resolution, and the gateway-itself check. The address returned is the one to dial (invariant 4).
 */
import { networkInterfaces } from 'node:os';
import { classifyAddress, normalizeIp } from './ip.js';
import { isLoopbackHost } from './host.js';
import { resolveAndGuard, type Lookup } from './guard.js';

/** What the proxy may reach, decided outside it (policy apart from mechanism). */
export type ProxyFilter = (host: string) => boolean | string;

/** A listen address of the gateway itself; never a proxy destination. */
export interface SelfAddress { host: string; port: number }

export interface DecideDeps {
  filter: ProxyFilter;
  ports: ReadonlySet<number>;
  lookup?: Lookup;
  allowCidrs: string[];
  /** Read per request: the gateway's port may be known only after it listens. */
  selfAddresses: () => readonly SelfAddress[];
  /** This machine's interface addresses (for a gateway bound to 0.0.0.0 / ::). */
  localAddresses: () => string[];
}

export type Decision = { ok: true; address: string; reason: string } | { ok: false; status: number; reason: string };

/** Comparable text of an address (IPv4-mapped IPv6 is the IPv4 address); a name stays a name. */
function canonicalIp(ip: string): string {
  return normalizeIp(ip) ?? ip.toLowerCase();
}

const isUnspecified = (ip: string) => ip === '0.0.0.0' || ip === '::' || /unspecified|this-network/.test(classifyAddress(ip).range);

/** The list of this machine's addresses, read when asked (never cached in module state). */
export function systemLocalAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => canonicalIp(i.address)));
}

/**
 * Would dialing `ip:port` reach the gateway? A gateway on loopback is reachable at any loopback
 * address of that port; one on a wildcard address at any address of this machine; and 0.0.0.0
 * as a destination means "this host" to the kernel.
 */
export function reachesSelf(ip: string, port: number, self: readonly SelfAddress[], localAddresses: () => string[]): boolean {
  const dest = canonicalIp(ip);
  for (const s of self) {
    if (s.port !== port) continue;
    const host = canonicalIp(s.host);
    if (dest === host || isUnspecified(dest)) return true;
    if (isLoopbackHost(host) && isLoopbackHost(dest)) return true;
    if (isUnspecified(host) && (isLoopbackHost(dest) || localAddresses().includes(dest))) return true;
  }
  return false;
}

/** Decides one request for `host:port`. Never throws: a throwing filter or resolver denies. */
export async function decide(host: string, port: number, d: DecideDeps): Promise<Decision> {
  let verdict: boolean | string;
  try { verdict = d.filter(host); } catch (err) {
    // Fail closed: a broken policy callback refuses.
    return { ok: false, status: 403, reason: `policy error: ${(err as Error).message}` };
  }
  if (verdict !== true) return { ok: false, status: 403, reason: typeof verdict === 'string' && verdict ? verdict : `domain ${host} is not allowed` };
  if (!d.ports.has(port)) return { ok: false, status: 403, reason: `port ${port} is not allowed` };
  const literal = host.includes(':') ? `[${host}]` : host;
  const g = await resolveAndGuard(`http://${literal}:${port}/`, { allowlist: d.allowCidrs, ...(d.lookup ? { lookup: d.lookup } : {}) });
  if (!g.allowed || g.address === undefined) return { ok: false, status: g.code === 'FETCH_FAILED' ? 502 : 403, reason: g.reason };
  // Every answer, not only the dialed one: a name must not point at the gateway at all.
  for (const ip of g.addresses) {
    if (reachesSelf(ip, port, d.selfAddresses(), d.localAddresses)) {
      return { ok: false, status: 403, reason: `${host} resolves to the gateway itself (${ip}:${port})` };
    }
  }
  return { ok: true, address: g.address, reason: g.reason };
}
