/**
 * "Is this request local?" — the gate for Tier-2 (no credentials, loopback-only) trust.
 *
 * Threat: any request we misjudge as local gets full operator scopes without a credential.
 * So every test below must pass; anything unexpected (missing peer, odd Host, a forwarding
 * header of any value) makes the request remote.
 */
import { isLoopbackAddress, isLoopbackHost } from '../net/index.js';

/** Request headers as node gives them: lower-case names, repeated headers as arrays. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Headers whose mere presence means a proxy (or someone pretending to be one) sits in front: a
 * same-host reverse proxy would otherwise make every remote visitor look like loopback. The list
 * covers the de-facto (`X-Forwarded-*`, `X-Real-IP`), standard (`Forwarded`, `Via`) and CDN
 * (`CF-Connecting-IP`, `True-Client-IP`, `X-Client-IP`) spellings. Lower-case.
 */
export const FORWARDING_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port',
  'x-real-ip', 'forwarded', 'cf-connecting-ip', 'true-client-ip', 'x-client-ip', 'via',
]);

/** True when any forwarding header is present, whatever its value (empty included) or name case. */
export function hasForwardingHeader(headers: HeaderBag): boolean {
  // for…in: no array of pairs per request (this runs on every request).
  for (const name in headers) {
    if (Object.hasOwn(headers, name) && headers[name] !== undefined && FORWARDING_HEADERS.has(name.toLowerCase())) return true;
  }
  return false;
}

/** The address tests of {@link isLocalConnection}; the gate passes per-connection memoized ones. */
export interface LoopbackChecks { address: (ip: string) => boolean; host: (host: string) => boolean }
const PLAIN_CHECKS: LoopbackChecks = { address: isLoopbackAddress, host: isLoopbackHost };

/**
 * True only when the request is provably from this machine, straight to us:
 * not behind a proxy, no forwarding header (any value, even empty), a loopback `Host`
 * (or none), and a loopback TCP peer. A missing peer address is remote.
 */
export function isLocalConnection(input: {
  behindProxy: boolean;
  headers: HeaderBag;
  peerAddress: string | undefined;
  checks?: LoopbackChecks;
}): boolean {
  const { behindProxy, headers, peerAddress } = input;
  const checks = input.checks ?? PLAIN_CHECKS;
  // Behind a proxy every request arrives from loopback, so locality cannot be proven.
  if (behindProxy) return false;
  // Presence alone disqualifies: a value of "127.0.0.1" proves nothing.
  if (hasForwardingHeader(headers)) return false;
  const host = headers['host'];
  if (host !== undefined) {
    // Several Host values are a smuggling signal, not something to pick from (fail closed).
    if (typeof host !== 'string') return false;
    // A non-loopback Host means a DNS-rebinding page or a remote name pointing at us.
    if (!checks.host(host)) return false;
  }
  // Unknown peer (socket already gone): fail closed.
  if (peerAddress === undefined) return false;
  return checks.address(peerAddress);
}
