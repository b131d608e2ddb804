import type { Config } from '../config/index.js';
import type { ProvidersRepo } from '../store/index.js';
import { configProviders, listModels, resolveModelRef, type ModelRef, type ProviderEntry } from './providers.js';

const DEFAULT_MODEL = 'default_model';

/**
 * The providers the agent can use right now: moltis.toml's (fixed at start, read-only) and those
 * added at runtime (read from the database on every call, so a change takes effect on the next
 * turn without a restart). A runtime provider never shadows one of the file.
 */
export function createProviderRegistry(d: { config: Config; repo: ProvidersRepo; now: () => number }) {
  const fromConfig = configProviders(d.config);
  const inConfig = (name: string) => fromConfig.some((p) => p.name === name);
  const entries = (): ProviderEntry[] => [
    ...fromConfig,
    ...d.repo.list().filter((p) => !inConfig(p.name)).map((p) => ({ name: p.name, source: 'runtime' as const, enabled: true, baseUrl: p.baseUrl, models: p.models })),
  ];
  /** The default model's id: the chosen one while it is available, else the first. */
  const defaultModel = (): string | null => {
    const models = listModels(entries());
    const chosen = d.repo.setting(DEFAULT_MODEL);
    return models.find((m) => m.id === chosen)?.id ?? models[0]?.id ?? null;
  };
  return {
    entries,
    get: (name: string): ProviderEntry | undefined => entries().find((p) => p.name === name),
    inConfig,
    models: (): ModelRef[] => listModels(entries()),
    defaultModel,
    resolve: (requested: string | null | undefined): ModelRef => resolveModelRef(entries(), requested, d.repo.setting(DEFAULT_MODEL)),
    setDefaultModel: (id: string | null): void => d.repo.setSetting(DEFAULT_MODEL, id, d.now()),
    /** Adds or replaces a runtime provider. Returns true when it was new. */
    upsert: (p: { name: string; baseUrl: string | null; models: readonly string[] }): boolean => d.repo.upsert({ ...p, now: d.now() }),
    remove: (name: string): boolean => d.repo.delete(name),
    runtime: (name: string) => d.repo.get(name),
  };
}
export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
