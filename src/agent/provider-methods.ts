/**
 * `providers.*` and `models.list`: connect a model at runtime. Keys go to the vault (kind
 * `provider`, write-only: no method returns one), providers to the database; the next turn uses
 * them, no restart. Providers of moltis.toml are listed as such and never changed here.
 */
import { z } from 'zod';
import { parseParams, RpcError, type CallContext, type MethodTable } from '../rpc/index.js';
import type { EventBus } from '../events/index.js';
import { envKeyName, kindOf, PROVIDER_KINDS, type LocalServer } from './catalog.js';
import { NO_PROVIDER_HELP, MODELS_PAGE } from './providers.js';
import type { ProviderRegistry } from './registry.js';
import { checkProviderUrl, detectLocalServers, listRemoteModels, type ProviderNet } from './remote.js';

/** What the provider methods need from the vault's secret store (write-only from the RPC's view). */
export interface ProviderSecrets {
  list(kind: string): Array<{ id: number; name: string }>;
  put(kind: string, name: string, value: string): { id: number; created: boolean };
  get(kind: string, name: string): string | null;
  delete(kind: string, id: number): boolean;
}

/** How long "Test" waits for a provider's model list, and local detection for a local server. */
export const VALIDATE_TIMEOUT_MS = 15_000;
export const LOCAL_PROBE_TIMEOUT_MS = 800;

const KEY_KIND = 'provider';
const Slug = z.string().trim().toLowerCase().transform((s) => s.replace(/^custom-/, '').replace(/[\s_.]+/g, '-'))
  .pipe(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'name: use letters, digits and -, e.g. "ollama"'));
const ApiKey = z.string().trim().min(1, 'api_key is empty').max(4096);
const Models = z.array(z.string().trim().min(1).max(200)).max(500);
const AddCustom = z.object({ name: Slug, base_url: z.string().trim().min(1).max(2048), api_key: ApiKey.optional(), models: Models.optional() }).strict();
const ProviderName = z.string().trim().min(1).max(80);
const SaveKey = z.object({ provider: ProviderName, api_key: ApiKey }).strict();
const RemoveKey = z.object({ provider: ProviderName }).strict();
const ValidateKey = z.object({ provider: ProviderName.optional(), base_url: z.string().trim().min(1).max(2048).optional(), api_key: ApiKey.optional() }).strict()
  .refine((p) => p.provider !== undefined || p.base_url !== undefined, 'give provider or base_url');
const SaveModel = z.object({ model: z.string().trim().min(3).max(300).regex(/^[^/]+\/.+$/, 'model is "provider/model", e.g. "openai/gpt-4o-mini"') }).strict();

/** Turns a vault refusal into the RPC's words (sealed → 423-like VAULT_SEALED). */
function vaultCall<T>(fn: () => T): T {
  try { return fn(); } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SEALED') throw new RpcError('VAULT_SEALED', 'the vault is locked: unlock it (banner at the top of the page) before saving a key');
    if (code === 'NOT_INITIALIZED') throw new RpcError('UNAVAILABLE', 'the vault is not set up yet: set a password first, then save the key');
    throw err;
  }
}

/** The method table of `providers.*` and `models.list`. */
export function providerMethods(d: {
  providers: ProviderRegistry; secrets: ProviderSecrets; env: Record<string, string | undefined>; net: ProviderNet; bus: EventBus;
  vaultUnsealed: () => boolean; localServers?: readonly LocalServer[];
  audit: (type: string, ip: string | null, detail: string | null) => void;
}): MethodTable {
  const keyRow = (name: string) => d.secrets.list(KEY_KIND).find((s) => s.name === name);
  const changed = (kind: string, provider: string) => d.bus.publish('providers.changed', { kind, provider });
  const audit = (type: string, ctx: CallContext, detail: string) => d.audit(type, ctx.clientIp, `${detail}${ctx.identity.apiKeyId !== undefined ? ` key=${ctx.identity.apiKeyId}` : ''}`);
  /** The key for a provider: the one given, else the vault's (when unsealed), else its env var. */
  const keyFor = (name: string, given: string | undefined): string | null =>
    given ?? (keyRow(name) && d.vaultUnsealed() ? d.secrets.get(KEY_KIND, name) : null) ?? d.env[envKeyName(name)] ?? null;
  const known = (name: string) => d.providers.get(name) !== undefined || PROVIDER_KINDS.some((k) => k.name === name);
  const inConfig = (name: string) => {
    if (d.providers.inConfig(name)) throw new RpcError('CONFLICT', `${name} is defined in moltis.toml: change it there (providers from the file are read-only here)`);
  };

  return {
    'providers.available': async () => ({
      kinds: PROVIDER_KINDS,
      local: await detectLocalServers({ timeoutMs: LOCAL_PROBE_TIMEOUT_MS, ...(d.localServers ? { servers: d.localServers } : {}) }),
      note: 'Local and private-network addresses (127.0.0.1, 10.x, 172.16-31.x, 192.168.x) are allowed for model servers on purpose; link-local and cloud metadata addresses are not.',
    }),
    'providers.list': () => {
      const vaultKeys = new Set(d.secrets.list(KEY_KIND).map((s) => s.name));
      const providers = d.providers.entries().map((p) => {
        const keySource = vaultKeys.has(p.name) ? 'vault' : d.env[envKeyName(p.name)] ? 'env' : null;
        return { name: p.name, kind: kindOf(p.name), source: p.source, readOnly: p.source === 'config', enabled: p.enabled, baseUrl: p.baseUrl, models: p.models, hasKey: keySource !== null, keySource, keyEnv: envKeyName(p.name) };
      });
      return { providers, defaultModel: d.providers.defaultModel(), ...(d.providers.models().length === 0 ? { hint: NO_PROVIDER_HELP } : {}) };
    },
    'models.list': () => {
      const models = d.providers.models();
      const def = d.providers.defaultModel();
      return { models: models.map((m) => ({ id: m.id, provider: m.provider, model: m.model, default: m.id === def })), defaultModel: def, ...(models.length === 0 ? { hint: NO_PROVIDER_HELP } : {}) };
    },
    'providers.add_custom': async (params, ctx) => {
      const p = parseParams(AddCustom, params);
      const name = `custom-${p.name}`;
      inConfig(name);
      const url = await checkProviderUrl(p.base_url, d.net);
      if (!url.ok) throw new RpcError('INVALID_REQUEST', url.error);
      let models = p.models ? [...new Set(p.models)] : [];
      if (models.length === 0) {
        const listed = await listRemoteModels({ name, baseUrl: url.url, apiKey: keyFor(name, p.api_key), timeoutMs: VALIDATE_TIMEOUT_MS, net: d.net });
        if (!listed.valid) throw new RpcError('INVALID_REQUEST', `${listed.error} (or give the models by name)`);
        if (listed.models.length === 0) throw new RpcError('INVALID_REQUEST', `${url.url} lists no models: load or pull one on the server first, or give the models by name`);
        models = listed.models;
      }
      // The key first: a locked vault refuses before anything is stored.
      if (p.api_key !== undefined) vaultCall(() => d.secrets.put(KEY_KIND, name, p.api_key!));
      const created = d.providers.upsert({ name, baseUrl: url.url, models });
      audit(created ? 'provider_added' : 'provider_updated', ctx, `provider=${name} base_url=${url.url} models=${models.length}${p.api_key !== undefined ? ' key=vault' : ''}`);
      changed(created ? 'added' : 'updated', name);
      return { ok: true, provider: name, created, models };
    },
    'providers.save_key': (params, ctx) => {
      const p = parseParams(SaveKey, params);
      if (!known(p.provider)) throw new RpcError('NOT_FOUND', `no provider ${p.provider}: use openai or anthropic, or add a server first (providers.add_custom)`);
      const r = vaultCall(() => d.secrets.put(KEY_KIND, p.provider, p.api_key));
      // OpenAI and Anthropic need nothing but a key: saving one connects them.
      if (!d.providers.get(p.provider)) d.providers.upsert({ name: p.provider, baseUrl: null, models: [] });
      audit('provider_key_saved', ctx, `provider=${p.provider}`);
      changed('key_saved', p.provider);
      return { ok: true, created: r.created };
    },
    'providers.remove_key': (params, ctx) => {
      const p = parseParams(RemoveKey, params);
      const row = keyRow(p.provider);
      const key = row ? d.secrets.delete(KEY_KIND, row.id) : false;
      // A provider added here goes with its key; one from moltis.toml stays (it is the file's).
      const provider = d.providers.inConfig(p.provider) ? false : d.providers.remove(p.provider);
      if (!key && !provider) throw new RpcError('NOT_FOUND', `no stored key or provider ${p.provider}`);
      audit(provider ? 'provider_removed' : 'provider_key_removed', ctx, `provider=${p.provider}`);
      changed('removed', p.provider);
      return { ok: true, removedKey: key, removedProvider: provider };
    },
    'providers.validate_key': async (params) => {
      const p = parseParams(ValidateKey, params);
      const name = p.provider ?? (() => { try { return `The server at ${new URL(p.base_url!).host}`; } catch { return 'The server'; } })();
      if (p.provider !== undefined && !known(p.provider)) throw new RpcError('NOT_FOUND', `no provider ${p.provider}: give base_url to test a new server`);
      const entry = p.provider !== undefined ? d.providers.get(p.provider) : undefined;
      const baseUrl = p.base_url ?? entry?.baseUrl ?? (p.provider !== undefined ? (p.provider === 'openai' ? d.env.OPENAI_BASE_URL : undefined) ?? PROVIDER_KINDS.find((k) => k.name === p.provider)?.defaultBaseUrl : undefined);
      if (!baseUrl) return { valid: false, error: `${name} has no base URL: give one` };
      const apiKey = p.provider !== undefined ? keyFor(p.provider, p.api_key) : p.api_key ?? null;
      const kind = p.provider !== undefined ? kindOf(p.provider) : 'openai-compatible';
      if (!apiKey && kind !== 'openai-compatible') return { valid: false, error: `${name} needs an API key: paste one and test again` };
      return listRemoteModels({ name, kind, baseUrl, apiKey, timeoutMs: VALIDATE_TIMEOUT_MS, net: d.net });
    },
    'providers.save_model': (params, ctx) => {
      const p = parseParams(SaveModel, params);
      const slash = p.model.indexOf('/');
      const provider = p.model.slice(0, slash);
      const model = p.model.slice(slash + 1);
      // OpenAI and Anthropic may be chosen with their key in an env var: choosing one connects it.
      if (!d.providers.get(provider) && PROVIDER_KINDS.some((k) => k.name === provider)) d.providers.upsert({ name: provider, baseUrl: null, models: [] });
      const entry = d.providers.get(provider);
      if (!entry) throw new RpcError('NOT_FOUND', `no provider ${provider}: connect it in ${MODELS_PAGE} first`);
      if (!entry.models.includes(model)) {
        if (entry.source === 'config') throw new RpcError('INVALID_REQUEST', `${provider} is defined in moltis.toml: add "${model}" to its models list there`);
        d.providers.upsert({ name: provider, baseUrl: entry.baseUrl, models: [...entry.models, model] });
      }
      d.providers.setDefaultModel(p.model);
      audit('default_model_set', ctx, `model=${p.model}`);
      changed('default_model', provider);
      return { ok: true, model: p.model };
    },
  };
}
