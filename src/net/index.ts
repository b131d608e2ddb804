/**
 * Net capability: SSRF protection. One `resolveAndGuard` (resolve once, refuse any non-public
 * address outside the allowlist) serves web_fetch, `moltis net check` and the egress proxy; the
 * address it checked is the address `guardedFetch` dials, and every redirect is re-checked.
 * Also the one home of address facts every capability shares: the IP normalizer, loopback,
 * `Host`-style authorities and CIDR rules. The only public surface.
 */
export { normalizeIp, classifyAddress, isLoopbackAddress } from './ip.js';
export type { AddressClass } from './ip.js';
export { parseAuthority, isLoopbackHost } from './host.js';
export type { Authority } from './host.js';
export { parseCidr, cidrMatcher } from './cidr.js';
export type { Cidr, CidrParse } from './cidr.js';
export { resolveAndGuard, allowlistWarnings, netCheck, systemLookup, METADATA_ADDRESSES } from './guard.js';
export type { Lookup, GuardOptions, GuardResult } from './guard.js';
export { guardedFetch, pinnedLookup } from './fetch.js';
export { createGuardedDispatcher, createGuardedFetch, guardedLookup, type GuardedDispatcher } from './dispatch.js';
export type { FetchOptions, FetchResult } from './fetch.js';
export { NetError, NET_ERRORS } from './errors.js';
export type { NetErrorCode } from './errors.js';
export { domainAllowed, trustedDomainsFilter } from './domains.js';
export { createEgressProxy, type EgressProxy, type EgressProxyOptions } from './proxy.js';
export type { ProxyFilter, SelfAddress } from './proxy-decide.js';
export { createNetworkAudit, auditUrl, EGRESS_WINDOW_MS, EGRESS_MAX_KEYS, type NetworkAudit, type NetworkAuditEntry, type NetworkAuditInput, type AuditFilter, type AuditStats } from './audit.js';
export { networkAuditMethods } from './audit-methods.js';
