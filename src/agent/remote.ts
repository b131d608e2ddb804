/**
 * Talking to a provider outside a chat turn: checking its base URL like any outbound target,
 * listing its models (`GET {base}/models`) and finding local servers. Failures come back as one
 * sentence a user can act on, never a stack trace.
 */
import { createGuardedFetch, guardedFetch, NetError, resolveAndGuard, type Lookup } from '../net/index.js';
import { kindOf, LOCAL_SERVERS, PROVIDER_PRIVATE_CIDRS, type ProviderKind } from './catalog.js';
import { sentence } from './errors.js';

/** How provider URLs are checked: the private ranges allowed on purpose plus the operator's allowlist. */
export interface ProviderNet { allowlist: readonly string[]; lookup?: Lookup }

/** The CIDRs a provider URL may resolve into besides public addresses. */
export function providerAllowlist(extra: readonly string[]): string[] {
  return [...PROVIDER_PRIVATE_CIDRS, ...extra];
}

/** Checks a base URL: http(s), no credentials, and an address that is public or allowed on purpose. */
export async function checkProviderUrl(url: string, net: ProviderNet): Promise<{ ok: true; url: string } | { ok: false; error: string }> {
  let u: URL;
  try { u = new URL(url); } catch { return { ok: false, error: `"${url}" is not a URL: give one like http://127.0.0.1:11434/v1` }; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, error: 'the base URL must start with http:// or https://' };
  // A key in the URL would be stored in plaintext: keys belong in the key field (the vault).
  if (u.username || u.password) return { ok: false, error: 'the base URL contains credentials: put the key in the API key field instead' };
  const g = await resolveAndGuard(u.href, { allowlist: [...net.allowlist], ...(net.lookup ? { lookup: net.lookup } : {}) });
  if (!g.allowed) return { ok: false, error: g.code === 'SSRF_BLOCKED' ? `${u.hostname} is not an address a provider may use (${g.reason}); local and private-network servers are allowed, link-local and cloud metadata addresses are not` : g.reason };
  return { ok: true, url: u.href.replace(/\/+$/, '') };
}

/**
 * A fetch for the AI SDK that checks every request's address with the same guard before it
 * dials (a base URL whose name later resolves somewhere forbidden is refused mid-session), and
 * by default dials only the addresses that check resolved (no DNS-rebinding window).
 */
export function guardedProviderFetch(net: ProviderNet, dial?: typeof globalThis.fetch): typeof globalThis.fetch {
  const inner = dial ?? createGuardedFetch({ allowlist: [...net.allowlist], ...(net.lookup ? { lookup: net.lookup } : {}) });
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const c = await checkProviderUrl(url, net);
    // Fail closed: a provider URL that no longer passes the guard is not dialed.
    if (!c.ok) throw Object.assign(new Error(c.error), { name: 'ProviderUrlError' });
    return inner(input, init);
  };
}

/** The outcome of listing a server's models. */
export type ModelListing = { valid: true; models: string[] } | { valid: false; error: string };

const MAX_LIST_BYTES = 8 * 1024 * 1024;

/** Lists a provider's models with its key, or says in plain words why it cannot. */
export async function listRemoteModels(o: { name: string; kind?: ProviderKind; baseUrl: string; apiKey: string | null; timeoutMs: number; net: ProviderNet }): Promise<ModelListing> {
  const kind = o.kind ?? kindOf(o.name);
  const checked = await checkProviderUrl(o.baseUrl, o.net);
  if (!checked.ok) return { valid: false, error: checked.error };
  const headers: Record<string, string> = { accept: 'application/json' };
  if (kind === 'anthropic') { headers['anthropic-version'] = '2023-06-01'; if (o.apiKey) headers['x-api-key'] = o.apiKey; }
  else if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const url = `${checked.url}/models`;
  let r;
  try {
    r = await guardedFetch(url, { allowlist: [...o.net.allowlist], ...(o.net.lookup ? { lookup: o.net.lookup } : {}), maxBytes: MAX_LIST_BYTES, timeoutMs: o.timeoutMs, maxRedirects: 0, headers });
  } catch (err) {
    return { valid: false, error: unreachable(o.name, checked.url, err) };
  }
  const detail = errorDetail(r.body);
  const said = detail ? `: ${detail}` : '';
  if (r.status === 401 || r.status === 403) return { valid: false, error: sentence(`${o.name} refused the API key (${r.status})${said}`, 'Check the key (copy it again from the provider\'s site) and test again.') };
  if (r.status === 404) return { valid: false, error: sentence(`${checked.url} has no model list (404)${said}`, 'Check the base URL: OpenAI-compatible servers usually end in /v1.') };
  if (r.status === 429) return { valid: false, error: sentence(`${o.name} is rate-limiting requests (429)${said}`, 'Wait a moment and test again.') };
  if (r.status >= 300 && r.status < 400) return { valid: false, error: sentence(`${checked.url}/models redirects elsewhere (${r.status})`, 'Use the final address as the base URL.') };
  if (r.status < 200 || r.status >= 300) return { valid: false, error: sentence(`${o.name} answered ${r.status}${said}`, 'Check the base URL and try again later.') };
  if (r.truncated) return { valid: false, error: sentence(`The model list of ${o.name} is larger than ${MAX_LIST_BYTES / 1024 / 1024} MiB`, 'Give the models by name instead.') };
  let ids: string[];
  try {
    const data = (JSON.parse(r.body) as { data?: Array<{ id?: unknown }> }).data;
    ids = Array.isArray(data) ? data.map((m) => m?.id).filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 200) : [];
    if (!Array.isArray(data)) throw new Error('no data array');
  } catch {
    return { valid: false, error: sentence(`${checked.url}/models did not answer with a model list`, 'Is this an OpenAI-compatible server, and is the base URL right?') };
  }
  return { valid: true, models: [...new Set(ids)].sort() };
}

function unreachable(name: string, base: string, err: unknown): string {
  const e = err as NetError;
  if (e instanceof NetError && e.code === 'TIMEOUT') return sentence(`${name} at ${base} did not answer in time`, 'Is the server running, and is the base URL right?');
  if (e instanceof NetError && e.code === 'SSRF_BLOCKED') return sentence(`${base} is not an address a provider may use: ${e.message}`, 'Use a public address, or one on this machine or your private network.');
  const m = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN/.exec(e?.message ?? '');
  const why = m?.[0] === 'ECONNREFUSED' ? 'connection refused' : m?.[0] === 'ENOTFOUND' || m?.[0] === 'EAI_AGAIN' ? 'the name does not resolve' : m ? m[0] : (e?.message ?? String(err));
  return sentence(`Cannot reach ${base} (${why})`, 'Is the server running, and is the base URL right?');
}

function errorDetail(body: string): string | null {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : j.error?.message ?? j.message;
    return typeof m === 'string' ? m.slice(0, 300) : null;
  } catch {
    return null;
  }
}

/** A local server found on its default port, with the models it offers. */
export interface LocalFound { id: string; label: string; baseUrl: string; running: boolean; models: string[] }

/** Looks for local model servers on 127.0.0.1 only (never another address), in parallel. */
export async function detectLocalServers(o: { servers?: readonly { id: string; label: string; port: number }[]; timeoutMs: number }): Promise<LocalFound[]> {
  const servers = o.servers ?? LOCAL_SERVERS;
  return Promise.all(servers.map(async (s) => {
    const baseUrl = `http://127.0.0.1:${s.port}/v1`;
    const r = await listRemoteModels({ name: s.label, kind: 'openai-compatible', baseUrl, apiKey: null, timeoutMs: o.timeoutMs, net: { allowlist: ['127.0.0.1/32'] } });
    return { id: s.id, label: s.label, baseUrl, running: r.valid, models: r.valid ? r.models : [] };
  }));
}
