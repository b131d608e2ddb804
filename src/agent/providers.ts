import type { LanguageModel } from 'ai';
import type * as Sdk from './sdk.js';
import type { Config } from '../config/index.js';

/** A configured model, addressed as `provider/model` (e.g. `custom-ollama/llama3.2`). */
export interface ModelRef { provider: string; model: string; id: string }

/** Where API keys come from: the vault first (kind `provider`), then the usual env vars. */
export type KeyLookup = (provider: string) => { key: string | null; sealed: boolean };

/** Thrown when no model can be used; the message says how to fix it. */
export class ProviderError extends Error {
  constructor(readonly code: 'NO_PROVIDER' | 'UNKNOWN_MODEL' | 'NO_API_KEY' | 'VAULT_SEALED', message: string) { super(message); }
}

export const NO_PROVIDER_HELP = 'no LLM provider is configured: add one to moltis.toml, e.g.\n[providers.custom-ollama]\nbase_url = "http://127.0.0.1:11434/v1"\nmodels = ["llama3.2"]\nor [providers.openai] with models = ["gpt-4o-mini"] and an API key (RPC providers.save_key, or OPENAI_API_KEY)';

/** Every enabled model, in config order; the first is the default. */
export function listModels(config: Config): ModelRef[] {
  const out: ModelRef[] = [];
  for (const [provider, p] of Object.entries(config.providers)) {
    if (!p.enabled) continue;
    for (const model of p.models) out.push({ provider, model, id: `${provider}/${model}` });
  }
  return out;
}

/** Resolves `provider/model` (or the default when absent) to a configured model. */
export function resolveModelRef(config: Config, requested: string | null | undefined): ModelRef {
  const models = listModels(config);
  if (models.length === 0) throw new ProviderError('NO_PROVIDER', NO_PROVIDER_HELP);
  if (!requested) return models[0]!;
  const hit = models.find((m) => m.id === requested);
  if (!hit) throw new ProviderError('UNKNOWN_MODEL', `unknown model ${requested}: configured models are ${models.map((m) => m.id).join(', ')}`);
  return hit;
}

const ENV_KEY: Record<string, string> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' };

/** The env var that may hold a provider's key. */
export function envKeyName(provider: string): string {
  return ENV_KEY[provider] ?? `MOLTIS_${provider.toUpperCase().replace(/-/g, '_')}_API_KEY`;
}

/** Builds the AI SDK model for a ref. Custom providers need no key (local servers); others do. */
export function languageModel(config: Config, ref: ModelRef, keys: KeyLookup, env: Record<string, string | undefined>, sdk: Pick<typeof Sdk, 'createOpenAI' | 'createAnthropic'>): LanguageModel {
  const p = config.providers[ref.provider]!;
  const k = keys(ref.provider);
  const key = k.key ?? env[envKeyName(ref.provider)] ?? null;
  if (!key && !ref.provider.startsWith('custom-')) {
    if (k.sealed) throw new ProviderError('VAULT_SEALED', `the API key for ${ref.provider} is in the vault, which is sealed: log in or unlock the vault`);
    throw new ProviderError('NO_API_KEY', `no API key for ${ref.provider}: store one with the providers.save_key method (kept in the vault) or set ${envKeyName(ref.provider)}`);
  }
  if (ref.provider === 'anthropic') {
    return sdk.createAnthropic({ apiKey: key!, ...(p.base_url ? { baseURL: p.base_url } : {}) })(ref.model);
  }
  const baseURL = (ref.provider === 'openai' ? env.OPENAI_BASE_URL : undefined) ?? p.base_url;
  // Chat Completions: the API every OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp) speaks.
  return sdk.createOpenAI({ apiKey: key ?? 'not-needed', ...(baseURL ? { baseURL } : {}), name: ref.provider }).chat(ref.model);
}
