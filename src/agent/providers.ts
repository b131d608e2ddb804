import type { LanguageModel } from 'ai';
import type * as Sdk from './sdk.js';
import type { Config } from '../config/index.js';
import { envKeyName, kindOf, PROVIDER_KINDS } from './catalog.js';

/** A configured model, addressed as `provider/model` (e.g. `custom-ollama/llama3.2`). */
export interface ModelRef { provider: string; model: string; id: string }

/** A provider the agent can use: from moltis.toml (read-only) or added at runtime (Settings > Models). */
export interface ProviderEntry {
  name: string;
  source: 'config' | 'runtime';
  enabled: boolean;
  baseUrl: string | null;
  models: readonly string[];
}

/** Where API keys come from: the vault first (kind `provider`), then the usual env vars. */
export type KeyLookup = (provider: string) => { key: string | null; sealed: boolean };

/** Thrown when no model can be used; the message says how to fix it. */
export class ProviderError extends Error {
  constructor(readonly code: 'NO_PROVIDER' | 'UNKNOWN_MODEL' | 'NO_API_KEY' | 'VAULT_SEALED', message: string) { super(message); }
}

/** Where users connect a model (the web UI page). */
export const MODELS_PAGE = 'Settings > Models';

export const NO_PROVIDER_HELP = `No model provider is connected yet: open ${MODELS_PAGE} in the web UI to connect OpenAI, Anthropic or a local server such as Ollama (or add a [providers.*] table to moltis.toml).`;

/** The providers of moltis.toml, in file order. */
export function configProviders(config: Config): ProviderEntry[] {
  return Object.entries(config.providers).map(([name, p]) => ({ name, source: 'config' as const, enabled: p.enabled, baseUrl: p.base_url ?? null, models: p.models }));
}

/** Every enabled model, in provider order. */
export function listModels(providers: readonly ProviderEntry[]): ModelRef[] {
  const out: ModelRef[] = [];
  for (const p of providers) {
    if (!p.enabled) continue;
    for (const model of p.models) out.push({ provider: p.name, model, id: `${p.name}/${model}` });
  }
  return out;
}

/**
 * Resolves `provider/model` (or, when absent, the chosen default, else the first model) to a
 * usable model.
 */
export function resolveModelRef(providers: readonly ProviderEntry[], requested: string | null | undefined, defaultModel: string | null = null): ModelRef {
  const models = listModels(providers);
  if (models.length === 0) throw new ProviderError('NO_PROVIDER', NO_PROVIDER_HELP);
  if (!requested) return models.find((m) => m.id === defaultModel) ?? models[0]!;
  const hit = models.find((m) => m.id === requested);
  if (!hit) throw new ProviderError('UNKNOWN_MODEL', `The model ${requested} is not available (the available models are ${models.map((m) => m.id).join(', ')}): pick another one in the chat's model menu, or add it in ${MODELS_PAGE}.`);
  return hit;
}

export { envKeyName } from './catalog.js';

/**
 * Builds the AI SDK model for a ref. OpenAI-compatible servers need no key (local servers);
 * OpenAI and Anthropic do. `fetch` (optional) is what the SDK dials with.
 */
export function languageModel(p: ProviderEntry, ref: ModelRef, keys: KeyLookup, env: Record<string, string | undefined>, sdk: Pick<typeof Sdk, 'createOpenAI' | 'createAnthropic'>, fetch?: typeof globalThis.fetch): LanguageModel {
  const k = keys(ref.provider);
  const key = k.key ?? env[envKeyName(ref.provider)] ?? null;
  const kind = kindOf(ref.provider);
  // A stored key that cannot be read is not "no key": sending without it would only be refused.
  if (!key && k.sealed) throw new ProviderError('VAULT_SEALED', `The API key for ${ref.provider} is in the vault, which is locked: log in again or unlock the vault (the banner at the top of the page).`);
  if (!key && kind !== 'openai-compatible') {
    throw new ProviderError('NO_API_KEY', `There is no API key for ${ref.provider}: add one in ${MODELS_PAGE} (it is kept in the vault) or set ${envKeyName(ref.provider)} before starting moltis.`);
  }
  const f = fetch ? { fetch } : {};
  if (kind === 'anthropic') {
    return sdk.createAnthropic({ apiKey: key!, ...(p.baseUrl ? { baseURL: p.baseUrl } : {}), ...f })(ref.model);
  }
  const baseURL = (ref.provider === 'openai' ? env.OPENAI_BASE_URL : undefined) ?? p.baseUrl ?? PROVIDER_KINDS.find((x) => x.kind === kind)?.defaultBaseUrl ?? undefined;
  // Chat Completions: the API every OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp) speaks.
  return sdk.createOpenAI({ apiKey: key ?? 'not-needed', ...(baseURL ? { baseURL } : {}), name: ref.provider, ...f }).chat(ref.model);
}
