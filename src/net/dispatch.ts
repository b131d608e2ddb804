/**
 * A fetch whose every connection dials an address the SSRF guard checked in the same
 * resolution. Threat: a client that checks a name and then lets fetch resolve it again to dial
 * can be sent to a forbidden address (cloud metadata, the LAN) by a rebinding DNS answer between
 * the two. Here the check *is* the dial's resolver, so there is no second resolution to win.
 * undici (the library behind Node's fetch) is loaded on first use: most gateways never call out.
 */
import { isIP, type LookupFunction } from 'node:net';
import { NetError } from './errors.js';
import { resolveAndGuard, type GuardOptions } from './guard.js';

type Fetch = typeof globalThis.fetch;

/**
 * A resolver for `net.connect`: resolves the name once, refuses the dial unless every address
 * passes the guard, and answers with the checked addresses only.
 */
export function guardedLookup(o: GuardOptions): LookupFunction {
  return (hostname, options, callback) => {
    const host = hostname.includes(':') ? `[${hostname}]` : hostname;
    resolveAndGuard(`http://${host}/`, o).then((g) => {
      // Fail closed: a name that does not pass the guard is not dialed at all.
      if (!g.allowed) { callback(new NetError(g.code ?? 'SSRF_BLOCKED', g.reason), '', 4); return; }
      const rows = g.addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
      if (options?.all) callback(null, rows);
      else callback(null, rows[0]!.address, rows[0]!.family);
    }, (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4));
  };
}

/**
 * A WHATWG fetch (undici's) that only dials addresses `o` allows. IP-literal hosts skip name
 * resolution in `net.connect`, so they are checked here before the request is sent.
 */
export function createGuardedFetch(o: GuardOptions): Fetch {
  let ready: Promise<{ fetch: Fetch; dispatcher: unknown }> | undefined;
  const load = () => (ready ??= import('undici').then((u) => ({
    fetch: u.fetch as unknown as Fetch,
    dispatcher: new u.Agent({ connect: { lookup: guardedLookup(o) } }),
  })));
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const g = await resolveAndGuard(url, o);
      // Fail closed: a literal address outside the guard is never dialed.
      if (!g.allowed) throw new NetError(g.code ?? 'SSRF_BLOCKED', g.reason);
    }
    const u = await load();
    // A Request object from another fetch implementation is passed as its parts.
    const req = typeof input === 'string' || input instanceof URL ? { url, init } : { url, init: { method: input.method, headers: input.headers, body: input.body, duplex: 'half', signal: input.signal, ...init } };
    return u.fetch(req.url, { ...(req.init as RequestInit), dispatcher: u.dispatcher } as RequestInit);
  };
}
