/**
 * The kinds of model provider the gateway knows, and the local servers it looks for. One
 * definition each: the RPC (`providers.available`), key lookup and the UI all read these.
 */

/** How the gateway talks to a provider. */
export type ProviderKind = 'openai' | 'anthropic' | 'openai-compatible';

/** A provider kind as offered to users. */
export interface ProviderKindInfo {
  kind: ProviderKind;
  label: string;
  /** The provider name it is stored under (`custom-<name>` for OpenAI-compatible servers). */
  name: string | null;
  defaultBaseUrl: string | null;
  /** The env var read when no key is stored in the vault (null: named after the provider). */
  keyEnv: string | null;
  needsKey: boolean;
  hint: string;
}

export const PROVIDER_KINDS: readonly ProviderKindInfo[] = Object.freeze([
  { kind: 'openai', label: 'OpenAI', name: 'openai', defaultBaseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY', needsKey: true, hint: 'an API key from platform.openai.com' },
  { kind: 'anthropic', label: 'Anthropic', name: 'anthropic', defaultBaseUrl: 'https://api.anthropic.com/v1', keyEnv: 'ANTHROPIC_API_KEY', needsKey: true, hint: 'an API key from console.anthropic.com' },
  { kind: 'openai-compatible', label: 'OpenAI-compatible server', name: null, defaultBaseUrl: null, keyEnv: null, needsKey: false, hint: 'Ollama, LM Studio, vLLM, llama.cpp, OpenRouter…: a base URL ending in /v1, a key if the server wants one' },
]);

/** Local model servers looked for on 127.0.0.1 at their default ports. */
export interface LocalServer { id: string; label: string; port: number }
export const LOCAL_SERVERS: readonly LocalServer[] = Object.freeze([
  { id: 'ollama', label: 'Ollama', port: 11434 },
  { id: 'lmstudio', label: 'LM Studio', port: 1234 },
]);

/**
 * Private addresses a provider's base URL may point at, on purpose: local model servers are the
 * common case. Link-local, CGNAT and IPv6 ULA stay refused (cloud metadata endpoints live there);
 * `[tools.web.fetch] ssrf_allowlist` opens more.
 */
export const PROVIDER_PRIVATE_CIDRS: readonly string[] = Object.freeze(['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);

/** The kind a provider name denotes (`openai`, `anthropic`, else an OpenAI-compatible server). */
export function kindOf(name: string): ProviderKind {
  return name === 'openai' || name === 'anthropic' ? name : 'openai-compatible';
}

/** The env var that may hold a provider's key. */
export function envKeyName(provider: string): string {
  return PROVIDER_KINDS.find((k) => k.name === provider)?.keyEnv ?? `MOLTIS_${provider.toUpperCase().replace(/-/g, '_')}_API_KEY`;
}
