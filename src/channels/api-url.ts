/**
 * The platform API root an account talks to. Its bot token travels with every request, so the
 * root is checked like a web_fetch target (resolved once, refused if any address is private)
 * unless the owner allowed private API servers; the checked address is the one dialed.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { apiSchemeProblem } from '../config/index.js';
import { classifyAddress, pinnedLookup, resolveAndGuard, type GuardOptions, type Lookup } from '../net/index.js';
import { pinnedFetch } from './pinned-fetch.js';
import { ChannelStartError } from './types.js';

/** A checked API root: the HTTP agent (and `fetch`, bound to the root's origin) dial only the checked address. */
export interface PinnedApi {
  url: string; address: string; agent: http.Agent; fetch: typeof fetch; close(): void;
  /** The guard the root passed: other hosts the platform names (Socket Mode's wss URL) are dialed under it. */
  guard: GuardOptions;
}

/** Options of {@link pinApiUrl}. */
export interface PinOptions {
  allowPrivate: boolean;
  /** `[tools.web.fetch] ssrf_allowlist`: the same private ranges web_fetch may reach. */
  allowlist: readonly string[];
  lookup?: Lookup;
}

const EVERYWHERE = ['0.0.0.0/0', '::/0'];

/** Resolves and checks `url`, returning an agent pinned to the checked address. */
export async function pinApiUrl(url: string, o: PinOptions): Promise<PinnedApi> {
  const scheme = apiSchemeProblem(url, o.allowPrivate);
  if (scheme) throw new ChannelStartError('error', `api_base_url ${scheme}`);
  const guard: GuardOptions = { allowlist: o.allowPrivate ? EVERYWHERE : [...o.allowlist], ...(o.lookup ? { lookup: o.lookup } : {}) };
  const g = await resolveAndGuard(url, guard);
  // Fail closed: an API root that resolves anywhere private is refused unless explicitly allowed.
  if (!g.allowed || !g.address) throw new ChannelStartError('error', `api_base_url refused: ${g.reason}${g.code === 'SSRF_BLOCKED' ? ' (set [channels] allow_private_api_urls = true for a self-hosted server)' : ''}`);
  // The token must not cross the Internet in clear text: plain http only toward private addresses.
  if (url.startsWith('http:') && g.addresses.some((a) => classifyAddress(a).public)) {
    throw new ChannelStartError('error', 'api_base_url: plain http is accepted only for a private or loopback server; use https');
  }
  const opts = { keepAlive: true, maxSockets: 8, lookup: pinnedLookup(g.address) };
  const agent = url.startsWith('https:') ? new https.Agent(opts) : new http.Agent(opts);
  return { url, address: g.address, agent, fetch: pinnedFetch(url, agent), close: () => agent.destroy(), guard };
}
