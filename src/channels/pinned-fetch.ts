/**
 * A `fetch` for platform SDKs that take one (@slack/web-api): every request goes through the
 * account's pinned HTTP agent (the checked address is the one dialed) and only to the checked
 * API origin. A URL elsewhere is refused before anything is sent (the token would travel with it).
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** Largest response body read (platform API answers are small JSON). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Builds a fetch bound to `origin` and `agent`. Bodies: string, URLSearchParams or Buffer. */
export function pinnedFetch(origin: string, agent: http.Agent): typeof fetch {
  const allowed = new URL(origin).origin;
  return (async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    // Fail closed: the token is only ever sent to the API root that was checked.
    if (url.origin !== allowed) throw new Error(`refusing to send a platform request to ${url.origin} (only ${allowed} was checked)`);
    const body = init.body === undefined || init.body === null ? undefined
      : typeof init.body === 'string' ? init.body
      : init.body instanceof URLSearchParams ? init.body.toString()
      : Buffer.isBuffer(init.body) ? init.body
      : (() => { throw new Error('pinned fetch: unsupported body type'); })();
    const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = mod.request(url, { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) { req.destroy(new Error('platform response too large')); return; }
          parts.push(c);
        });
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          const status = res.statusCode ?? 500;
          const noBody = status === 204 || status === 304;
          resolve(new Response(noBody ? null : Buffer.concat(parts), { status, statusText: res.statusMessage ?? '', headers: h }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }) as typeof fetch;
}
