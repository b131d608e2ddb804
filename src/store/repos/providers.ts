import type { Db } from '../db.js';

/** A model provider added at runtime. `models` is the JSON array as stored. */
export interface LlmProviderRow { name: string; base_url: string | null; models: string; created_at: number; updated_at: number }

/** Repository for runtime-added model providers and the gateway's model settings (no secrets here). */
export function createProvidersRepo(db: Db) {
  const q = {
    list: db.prepare('SELECT * FROM llm_providers ORDER BY created_at ASC, name ASC'),
    get: db.prepare('SELECT * FROM llm_providers WHERE name = ?'),
    upsert: db.prepare(`INSERT INTO llm_providers (name, base_url, models, created_at, updated_at) VALUES (@name, @base_url, @models, @now, @now)
      ON CONFLICT(name) DO UPDATE SET base_url = excluded.base_url, models = excluded.models, updated_at = excluded.updated_at`),
    delete: db.prepare('DELETE FROM llm_providers WHERE name = ?'),
    getSetting: db.prepare('SELECT value FROM llm_settings WHERE key = ?'),
    setSetting: db.prepare(`INSERT INTO llm_settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    deleteSetting: db.prepare('DELETE FROM llm_settings WHERE key = ?'),
  };
  const decode = (r: LlmProviderRow) => ({ name: r.name, baseUrl: r.base_url, models: JSON.parse(r.models) as string[], createdAt: r.created_at, updatedAt: r.updated_at });
  return {
    list: () => (q.list.all() as LlmProviderRow[]).map(decode),
    get: (name: string) => { const r = q.get.get(name) as LlmProviderRow | undefined; return r ? decode(r) : undefined; },
    /** Creates or replaces a provider (its key is not stored here). Returns true when it was new. */
    upsert: (p: { name: string; baseUrl: string | null; models: readonly string[]; now: number }): boolean => {
      const existed = q.get.get(p.name) !== undefined;
      q.upsert.run({ name: p.name, base_url: p.baseUrl, models: JSON.stringify(p.models), now: p.now });
      return !existed;
    },
    delete: (name: string): boolean => q.delete.run(name).changes > 0,
    setting: (key: string): string | null => (q.getSetting.get(key) as { value: string } | undefined)?.value ?? null,
    setSetting: (key: string, value: string | null, now: number): void => {
      if (value === null) q.deleteSetting.run(key); else q.setSetting.run(key, value, now);
    },
  };
}
export type ProvidersRepo = ReturnType<typeof createProvidersRepo>;
