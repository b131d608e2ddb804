import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../config/index.js';
import { envKeyName, languageModel as build0, listModels, ProviderError, resolveModelRef } from './providers.js';
import * as sdk from './sdk.js';

const languageModel = (...a: [Parameters<typeof build0>[0], Parameters<typeof build0>[1], Parameters<typeof build0>[2], Parameters<typeof build0>[3]]) => build0(...a, sdk);

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
const noKeys = () => ({ key: null, sealed: false });
type Built = { provider: string; modelId: string };
const build = (...a: Parameters<typeof languageModel>) => languageModel(...a) as unknown as Built;
const code = (c: string) => (e: unknown) => e instanceof ProviderError && e.code === c;

test('models in config order; the first enabled one is the default; disabled providers are skipped', () => {
  assert.deepEqual(listModels(cfg).map((m) => m.id), ['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'custom-ollama/llama3.2']);
  assert.equal(resolveModelRef(cfg, null).id, 'openai/gpt-4o-mini');
  assert.equal(resolveModelRef(cfg, 'custom-ollama/llama3.2').provider, 'custom-ollama');
  assert.throws(() => resolveModelRef(cfg, 'custom-off/x'), code('UNKNOWN_MODEL'));
  assert.throws(() => resolveModelRef(parseConfig(''), null), code('NO_PROVIDER'));
});

test('keys: vault first, then the usual env var; hosted providers need one, local ones do not', () => {
  const openai = resolveModelRef(cfg, 'openai/gpt-4o');
  assert.throws(() => languageModel(cfg, openai, noKeys, {}), code('NO_API_KEY'));
  assert.throws(() => languageModel(cfg, openai, () => ({ key: null, sealed: true }), {}), code('VAULT_SEALED'));
  assert.equal(build(cfg, openai, noKeys, { OPENAI_API_KEY: 'sk-env' }).provider, 'openai.chat');
  assert.equal(build(cfg, openai, () => ({ key: 'sk-vault', sealed: false }), {}).modelId, 'gpt-4o');
  const claude = build(cfg, resolveModelRef(cfg, 'anthropic/claude-sonnet-4-5'), noKeys, { ANTHROPIC_API_KEY: 'sk-ant' });
  assert.match(claude.provider, /^anthropic/);
  assert.equal(build(cfg, resolveModelRef(cfg, 'custom-ollama/llama3.2'), noKeys, {}).provider, 'custom-ollama.chat');
  assert.equal(envKeyName('custom-my-llm'), 'MOLTIS_CUSTOM_MY_LLM_API_KEY');
});
