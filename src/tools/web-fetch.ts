import type { ToolDefinition } from '../agent/index.js';
import { guardedFetch, NetError, type Lookup } from '../net/index.js';

export interface WebFetchOptions {
  allowlist: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Injected resolver (tests); default: the system's. */
  lookup?: Lookup;
  audit: (type: string, detail: string) => void;
}

/**
 * The `web_fetch` tool: http(s) GET through the SSRF guard — the name is resolved once, every
 * address must be public (or inside `[tools.web.fetch] ssrf_allowlist`), the checked address is
 * the one dialed, and every redirect is checked again. Denials are audited.
 */
export function webFetchTool(o: WebFetchOptions): ToolDefinition {
  return {
    name: 'web_fetch',
    description: 'Fetch a public http(s) URL and return its status, content type and (size-capped) body as text.',
    inputSchema: { type: 'object', properties: { url: { type: 'string', description: 'http:// or https:// URL' } }, required: ['url'], additionalProperties: false },
    scope: 'operator.read',
    timeoutMs: o.timeoutMs + 5000,
    async execute(input, ctx) {
      const url = (input as { url?: unknown }).url;
      if (typeof url !== 'string' || url.length > 8192) return { error: 'url must be a string of at most 8192 characters' };
      try {
        const r = await guardedFetch(url, { allowlist: [...o.allowlist], maxBytes: o.maxBytes, timeoutMs: o.timeoutMs, maxRedirects: o.maxRedirects, ...(o.lookup ? { lookup: o.lookup } : {}) });
        return { url: r.url, status: r.status, contentType: r.contentType, body: r.body, ...(r.truncated ? { truncated: true } : {}), ...(r.redirects.length ? { redirects: r.redirects } : {}) };
      } catch (err) {
        if (err instanceof NetError) {
          if (err.code === 'SSRF_BLOCKED') o.audit('network_denied', `session=${ctx.sessionKey} tool=web_fetch url=${JSON.stringify(url)} reason=${JSON.stringify(err.message)}`);
          return { error: err.message, code: err.code };
        }
        return { error: (err as Error).message };
      }
    },
  };
}
