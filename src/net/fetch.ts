import * as http from 'node:http';
import * as https from 'node:https';
import { isIPv4, type LookupFunction } from 'node:net';
import { NetError } from './errors.js';
import { resolveAndGuard, type GuardOptions } from './guard.js';

/** Options of one guarded fetch (GET). */
export interface FetchOptions extends GuardOptions {
  /** Body bytes kept; reading stops there and `truncated` is set (`[tools.web.fetch] max_bytes`). */
  maxBytes: number;
  /** Budget for the whole fetch: every resolution, hop and the body (`timeout_secs`). */
  timeoutMs: number;
  /** Redirects followed, each re-checked (`max_redirects`). */
  maxRedirects: number;
  /** Extra request headers (`host` is ignored: the URL decides it). */
  headers?: Record<string, string>;
}

/** A completed fetch. Non-2xx statuses are results, not errors. */
export interface FetchResult {
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  truncated: boolean;
  redirects: string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A resolver that answers only with the checked address: the HTTP client cannot resolve the
 * name a second time, so a rebinding DNS answer never reaches the dial (invariant 4).
 */
export function pinnedLookup(address: string): LookupFunction {
  const family = isIPv4(address) ? 4 : 6;
  return (_hostname, options, callback) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

interface Deadline {
  signal: AbortSignal;
  race<T>(p: Promise<T>): Promise<T>;
}

function deadline(signal: AbortSignal, timeoutMs: number): Deadline {
  const timeoutError = () => new NetError('TIMEOUT', `fetch timed out after ${timeoutMs} ms`);
  return {
    signal,
    race: (p) =>
      new Promise((resolve, reject) => {
        if (signal.aborted) return reject(timeoutError());
        const onAbort = () => reject(timeoutError());
        signal.addEventListener('abort', onAbort, { once: true });
        p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      }),
  };
}

function sendOnce(u: URL, address: string, o: FetchOptions, d: Deadline): Promise<http.IncomingMessage> {
  const headers: Record<string, string> = { 'user-agent': 'moltis-web-fetch', accept: '*/*', 'accept-encoding': 'identity' };
  for (const [k, v] of Object.entries(o.headers ?? {})) if (k.toLowerCase() !== 'host') headers[k.toLowerCase()] = v;
  const mod = u.protocol === 'https:' ? https : http;
  return d.race(
    new Promise((resolve, reject) => {
      const req = mod.request(u, {
        method: 'GET',
        headers,
        lookup: pinnedLookup(address),
        // No pooled sockets: a kept-alive connection opened elsewhere would skip the pinned dial.
        agent: false,
        signal: d.signal,
      });
      req.on('response', resolve);
      req.on('error', (err) => reject(new NetError('FETCH_FAILED', `fetch of ${u.href} failed: ${err.message}`)));
      req.end();
    }),
  );
}

function readCapped(res: http.IncomingMessage, maxBytes: number, d: Deadline): Promise<{ body: Buffer; truncated: boolean }> {
  return d.race(
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size + chunk.length > maxBytes) {
          chunks.push(chunk.subarray(0, maxBytes - size));
          size = maxBytes;
          // Stop reading: an attacker-sized body never lands in memory.
          res.destroy();
          resolve({ body: Buffer.concat(chunks), truncated: true });
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks), truncated: false }));
      res.on('error', (err) => reject(new NetError('FETCH_FAILED', `reading body failed: ${err.message}`)));
    }),
  );
}

async function run(url: string, o: FetchOptions, d: Deadline): Promise<FetchResult> {
  const maxRedirects = o.maxRedirects;
  const redirects: string[] = [];
  const visited = new Set<string>();
  let current = url;
  for (;;) {
    // Every hop, the first included, goes through the one guard.
    const guard = await d.race(resolveAndGuard(current, o));
    if (!guard.allowed || guard.address === undefined) throw new NetError(guard.code ?? 'SSRF_BLOCKED', guard.reason);
    visited.add(guard.url);
    const u = new URL(guard.url);
    const res = await sendOnce(u, guard.address, o, d);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      res.destroy();
      let next: string;
      try {
        next = new URL(location, u).href;
      } catch {
        throw new NetError('BAD_URL', `redirect from ${u.href} has an invalid Location`);
      }
      if (visited.has(next)) throw new NetError('TOO_MANY_REDIRECTS', `redirect loop at ${next}`);
      if (redirects.length >= maxRedirects) throw new NetError('TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects (next: ${next})`);
      redirects.push(next);
      current = next;
      continue;
    }
    const { body, truncated } = await readCapped(res, o.maxBytes, d);
    const ct = res.headers['content-type'];
    return { url: u.href, status, contentType: ct ?? null, body: body.toString('utf8'), truncated, redirects };
  }
}

/**
 * GET `url` with SSRF protection: each hop is resolved once, checked, and dialed at exactly the
 * checked address; redirects are followed manually and re-checked; the body is capped and the
 * whole fetch is bounded by one timeout. Throws NetError.
 */
export async function guardedFetch(url: string, o: FetchOptions): Promise<FetchResult> {
  const timeoutMs = o.timeoutMs;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const d = deadline(ac.signal, timeoutMs);
  try {
    return await run(url, o, d);
  } catch (err) {
    // Whatever a timed-out request threw (abort errors included) is reported as the timeout.
    if (ac.signal.aborted) throw new NetError('TIMEOUT', `fetch timed out after ${timeoutMs} ms`);
    if (err instanceof NetError) throw err;
    throw new NetError('FETCH_FAILED', `fetch failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    ac.abort(); // tears down any socket still open (e.g. after truncation)
  }
}
