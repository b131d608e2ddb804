import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../config/index.js';
import { createStore } from '../store/index.js';
import { configProviders, envKeyName, languageModel as build0, listModels, ProviderError, resolveModelRef, type ProviderEntry } from './providers.js';
import { createProviderRegistry } from './registry.js';
import * as sdk from './sdk.js';

const cfg = parseConfig(`
[providers.openai]
models = ["gpt-4o-mini", "gpt-4o"]
[providers.anthropic]
models = ["claude-sonnet-4-5"]
[providers.custom-ollama]
base_url = "http://127.0.0.1:11434/v1"
models = ["llama3.2"]
[providers.custom-off]
enabled = false
models = ["x"]
`);
const entries = configProviders(cfg);
const entry = (name: string) => entries.find((e) => e.name === name)!;
const noKeys = () => ({ key: null, sealed: false });
type Built = { provider: string; modelId: string };
const languageModel = (p: ProviderEntry, ...a: [Parameters<typeof build0>[1], Parameters<typeof build0>[2], Parameters<typeof build0>[3]]) => build0(p, ...a, sdk) as unknown as Built;
const code = (c: string) => (e: unknown) => e instanceof ProviderError && e.code === c;

test('models in config order; the first enabled one is the default; disabled providers are skipped', () => {
  assert.deepEqual(listModels(entries).map((m) => m.id), ['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'custom-ollama/llama3.2']);
  assert.equal(resolveModelRef(entries, null).id, 'openai/gpt-4o-mini');
  assert.equal(resolveModelRef(entries, null, 'anthropic/claude-sonnet-4-5').id, 'anthropic/claude-sonnet-4-5');
  assert.equal(resolveModelRef(entries, null, 'gone/model').id, 'openai/gpt-4o-mini', 'a default that vanished falls back to the first');
  assert.equal(resolveModelRef(entries, 'custom-ollama/llama3.2').provider, 'custom-ollama');
  assert.throws(() => resolveModelRef(entries, 'custom-off/x'), code('UNKNOWN_MODEL'));
  assert.throws(() => resolveModelRef([], null), (e) => code('NO_PROVIDER')(e) && /Settings > Models/.test((e as Error).message));
});

test('keys: vault first, then the usual env var; hosted providers need one, local ones do not', () => {
  const openai = resolveModelRef(entries, 'openai/gpt-4o');
  assert.throws(() => languageModel(entry('openai'), openai, noKeys, {}), (e) => code('NO_API_KEY')(e) && /Settings > Models/.test((e as Error).message));
  assert.throws(() => languageModel(entry('openai'), openai, () => ({ key: null, sealed: true }), {}), code('VAULT_SEALED'));
  assert.equal(languageModel(entry('openai'), openai, noKeys, { OPENAI_API_KEY: 'sk-env' }).provider, 'openai.chat');
  assert.equal(languageModel(entry('openai'), openai, () => ({ key: 'sk-vault', sealed: false }), {}).modelId, 'gpt-4o');
  const claude = languageModel(entry('anthropic'), resolveModelRef(entries, 'anthropic/claude-sonnet-4-5'), noKeys, { ANTHROPIC_API_KEY: 'sk-ant' });
  assert.match(claude.provider, /^anthropic/);
  assert.equal(languageModel(entry('custom-ollama'), resolveModelRef(entries, 'custom-ollama/llama3.2'), noKeys, {}).provider, 'custom-ollama.chat');
  assert.equal(envKeyName('custom-my-llm'), 'MOLTIS_CUSTOM_MY_LLM_API_KEY');
});

test('registry: runtime providers join the file\'s at once, never shadow them, and a chosen default sticks', () => {
  const store = createStore({ path: ':memory:' });
  let t = 1;
  const reg = createProviderRegistry({ config: parseConfig('[providers.custom-file]\nbase_url = "http://127.0.0.1:9/v1"\nmodels = ["f"]'), repo: store.providers, now: () => t++ });
  assert.deepEqual(reg.models().map((m) => m.id), ['custom-file/f']);
  reg.upsert({ name: 'custom-lab', baseUrl: 'http://127.0.0.1:8/v1', models: ['a', 'b'] });
  reg.upsert({ name: 'custom-file', baseUrl: 'http://evil.example/v1', models: ['hijack'] });
  assert.deepEqual(reg.models().map((m) => m.id), ['custom-file/f', 'custom-lab/a', 'custom-lab/b']);
  assert.equal(reg.get('custom-file')!.source, 'config');
  assert.equal(reg.defaultModel(), 'custom-file/f');
  reg.setDefaultModel('custom-lab/b');
  assert.equal(reg.resolve(null).id, 'custom-lab/b');
  reg.remove('custom-lab');
  assert.equal(reg.resolve(null).id, 'custom-file/f');
  store.close();
});
