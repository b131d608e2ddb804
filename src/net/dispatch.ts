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

/** What undici dials with (the Agent type of the undici package, kept opaque here). */
export type GuardedDispatcher = import('undici').Dispatcher;

/**
 * An undici dispatcher (for `fetch` or `WebSocket`) that dials only addresses `o` allows: names
 * are checked by the resolver the dial uses, IP literals (which `net.connect` never resolves)
 * are checked before the connector runs.
 */
export async function createGuardedDispatcher(o: GuardOptions): Promise<GuardedDispatcher> {
  const u = await import('undici');
  const base = u.buildConnector({ lookup: guardedLookup(o) });
  const connect: import('undici').buildConnector.connector = (opts, callback) => {
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) === 0) { base(opts, callback); return; }
    resolveAndGuard(`http://${isIP(host) === 6 ? `[${host}]` : host}/`, o).then((g) => {
      // Fail closed: a literal address outside the guard is never dialed.
      if (!g.allowed) callback(new NetError(g.code ?? 'SSRF_BLOCKED', g.reason), null);
      else base(opts, callback);
    }, (err: unknown) => callback(err as Error, null));
  };
  return new u.Agent({ connect });
}

/** A WHATWG fetch (undici's) whose every connection goes through {@link createGuardedDispatcher}. */
export function createGuardedFetch(o: GuardOptions): Fetch {
  let ready: Promise<{ fetch: Fetch; dispatcher: GuardedDispatcher }> | undefined;
  const load = () => (ready ??= Promise.all([import('undici'), createGuardedDispatcher(o)]).then(([u, dispatcher]) => ({ fetch: u.fetch as unknown as Fetch, dispatcher })));
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const u = await load();
    // A Request object from another fetch implementation is passed as its parts.
    const req = typeof input === 'string' || input instanceof URL ? { url, init } : { url, init: { method: input.method, headers: input.headers, body: input.body, duplex: 'half', signal: input.signal, ...init } };
    return u.fetch(req.url, { ...(req.init as RequestInit), dispatcher: u.dispatcher } as RequestInit);
  };
}
