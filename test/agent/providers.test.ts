/**
 * Connecting a model at runtime over a real WebSocket: `providers.*` need admin (a write key is
 * refused and stores nothing), a provider added by an admin answers the next turn without a
 * restart, survives one, and its key is nowhere in plaintext under the data and config dirs.
 * Base URLs pass the outbound guard (loopback allowed on purpose, metadata addresses not), and
 * the provider's own refusal reaches the user in words.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startTestServer, setupPassword, createKey, PASSWORD, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { connect, finalOrError } from '../support/chat.js';
import type { WsClient } from '../support/ws.js';

const SECRET = 'sk-scripted-Zq8vN3xK5pL0wR7tY2mB9cH4';

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(Buffer.from(needle))) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function login(s: TestServer): Promise<string> {
  const r = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  assert.equal(r.status, 200);
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

describe('providers at runtime', () => {
  let llm: ScriptedLlm;
  let local: ScriptedLlm;
  let s: TestServer;
  let writeKey: string;
  let adminKey: string;
  let localServers: Array<{ id: string; label: string; port: number }>;
  const start = (dirs?: TestServer['dirs']) => startTestServer({ localServers, ...(dirs ? { dirs } : {}) });

  before(async () => {
    llm = await startScriptedLlm({ apiKey: SECRET });
    local = await startScriptedLlm();
    localServers = [
      { id: 'ollama', label: 'Ollama', port: Number(new URL(local.url).port) },
      { id: 'lmstudio', label: 'LM Studio', port: await closedPort() },
    ];
    s = await start();
    const cookie = await setupPassword(s);
    writeKey = (await createKey(s, cookie, ['operator.read', 'operator.write'])).key;
    adminKey = (await createKey(s, cookie, ['operator.admin'])).key;
  });
  after(async () => { await s.stop(); await llm.close(); await local.close(); });

  test('with no provider, models.list and a chat turn point at Settings > Models in a sentence', async () => {
    const c = await connect(s, writeKey, ['chat']);
    const m = await c.request('models.list');
    assert.deepEqual(m.payload.models, []);
    assert.match(m.payload.hint, /^No model provider is connected yet: open Settings > Models/);
    const r = await c.request('chat.send', { sessionKey: 'first', text: 'hello?' });
    const err = await c.next(finalOrError(r.payload.runId));
    assert.equal(err.payload.state, 'error');
    assert.match(err.payload.text, /Settings > Models/);
    assert.doesNotMatch(err.payload.text, /providers\.save_key|RPC/);
    c.close();
  });

  test('an operator.write key cannot add, key, test, remove or choose a provider, and nothing is stored', async () => {
    const c = await connect(s, writeKey, []);
    const calls: Array<[string, unknown]> = [
      ['providers.add_custom', { name: 'scripted', base_url: llm.url, api_key: SECRET, models: ['scripted-model'] }],
      ['providers.save_key', { provider: 'openai', api_key: SECRET }],
      ['providers.validate_key', { base_url: llm.url, api_key: SECRET }],
      ['providers.remove_key', { provider: 'openai' }],
      ['providers.save_model', { model: 'openai/gpt-4o-mini' }],
    ];
    for (const [method, params] of calls) {
      const r = await c.request(method, params);
      assert.equal(r.ok, false, method);
      assert.equal(r.error!.code, 'UNAUTHORIZED', method);
      assert.match(r.error!.message, /operator\.admin/, method);
    }
    const list = await c.request('providers.list');
    assert.deepEqual(list.payload.providers, []);
    assert.equal(llm.requests.length, 0, 'a refused validate_key never reached the server');
    assert.deepEqual(filesContaining(s.dirs.root, SECRET), []);
    c.close();
  });

  test('Test: a wrong key shows the provider\'s refusal in words; the right key lists its models', async () => {
    const c = await connect(s, adminKey, []);
    const bad = await c.request('providers.validate_key', { base_url: llm.url, api_key: 'sk-wrong' });
    assert.equal(bad.ok, true, JSON.stringify(bad));
    assert.equal(bad.payload.valid, false);
    assert.equal(bad.payload.error, `The server at ${new URL(llm.url).host} refused the API key (401): Incorrect API key provided. You can find your API key in your account settings. Check the key (copy it again from the provider's site) and test again.`);
    const good = await c.request('providers.validate_key', { base_url: llm.url, api_key: SECRET });
    assert.deepEqual(good.payload, { valid: true, models: ['scripted-model'] });
    const down = await c.request('providers.validate_key', { base_url: `http://127.0.0.1:${localServers[1]!.port}/v1` });
    assert.match(down.payload.error, /^Cannot reach http:\/\/127\.0\.0\.1:\d+\/v1 \(connection refused\)\. Is the server running/);
    c.close();
  });

  test('base URLs pass the outbound guard: link-local, metadata and non-http targets are refused', async () => {
    const c = await connect(s, adminKey, []);
    for (const base_url of ['http://169.254.169.254/v1', 'http://[fd00:ec2::254]/v1', 'http://100.100.100.200/v1', 'http://0251.0376.0251.0376/v1', 'http://[::ffff:169.254.169.254]/v1', 'file:///etc/passwd', 'http://user:pw@127.0.0.1:1/v1']) {
      const r = await c.request('providers.add_custom', { name: 'evil', base_url, models: ['m'] });
      assert.equal(r.ok, false, base_url);
      assert.equal(r.error!.code, 'INVALID_REQUEST', base_url);
      const v = await c.request('providers.validate_key', { base_url });
      assert.equal(v.payload.valid, false, base_url);
    }
    assert.deepEqual((await c.request('providers.list')).payload.providers, []);
    c.close();
  });

  test('local servers on their default ports are found (127.0.0.1 only) with their models', async () => {
    const c = await connect(s, writeKey, []);
    const r = await c.request('providers.available');
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(r.payload.kinds.map((k: { kind: string }) => k.kind), ['openai', 'anthropic', 'openai-compatible']);
    const [ollama, lmstudio] = r.payload.local;
    assert.deepEqual({ id: ollama.id, running: ollama.running, models: ollama.models, baseUrl: ollama.baseUrl }, { id: 'ollama', running: true, models: ['scripted-model'], baseUrl: local.url });
    assert.equal(lmstudio.running, false);
    c.close();
  });

  test('an admin adds a provider; the next turn uses it and its key, without a restart', async () => {
    const admin = await connect(s, adminKey, []);
    const add = await admin.request('providers.add_custom', { name: 'scripted', base_url: llm.url, api_key: SECRET, models: ['scripted-model'] });
    assert.equal(add.ok, true, JSON.stringify(add));
    assert.equal(add.payload.provider, 'custom-scripted');
    const c = await connect(s, writeKey, ['chat']);
    const models = await c.request('models.list');
    assert.deepEqual(models.payload.models, [{ id: 'custom-scripted/scripted-model', provider: 'custom-scripted', model: 'scripted-model', default: true }]);
    llm.script({ text: 'Connected without a restart.' });
    const r = await c.request('chat.send', { sessionKey: 'first', text: 'are you there?' });
    const fin = await c.next(finalOrError(r.payload.runId));
    assert.equal(fin.payload.text, 'Connected without a restart.', JSON.stringify(fin.payload));
    assert.equal(llm.requests.at(-1)!.headers.authorization, `Bearer ${SECRET}`);
    // Listed as a runtime provider with a key in the vault; the key itself is never returned.
    const list = await c.request('providers.list');
    const p = list.payload.providers[0];
    assert.deepEqual({ name: p.name, source: p.source, readOnly: p.readOnly, hasKey: p.hasKey, keySource: p.keySource }, { name: 'custom-scripted', source: 'runtime', readOnly: false, hasKey: true, keySource: 'vault' });
    assert.ok(!JSON.stringify(list.payload).includes(SECRET));
    admin.close(); c.close();
  });

  test('it survives a restart, works after login, and its key is nowhere in plaintext on disk', async () => {
    await s.stop({ keepDirs: true });
    s = await start(s.dirs);
    assert.deepEqual(filesContaining(s.dirs.root, SECRET), [], 'the key is in plaintext on disk');
    let c: WsClient = await connect(s, writeKey, ['chat']);
    assert.deepEqual((await c.request('models.list')).payload.models.map((m: { id: string }) => m.id), ['custom-scripted/scripted-model']);
    // Sealed after the restart: the turn says what to do instead of failing obscurely.
    const sealed = await c.request('chat.send', { sessionKey: 'first', text: 'still there?' });
    assert.match((await c.next(finalOrError(sealed.payload.runId))).payload.text, /vault, which is locked/);
    c.close();
    // And a key cannot be stored anywhere while the vault is sealed: refused, nothing written.
    const admin = await connect(s, adminKey, []);
    const refused = await admin.request('providers.add_custom', { name: 'later', base_url: llm.url, api_key: `${SECRET}-2`, models: ['m'] });
    assert.equal(refused.error?.code, 'VAULT_SEALED');
    assert.equal((await admin.request('providers.save_key', { provider: 'openai', api_key: `${SECRET}-2` })).error?.code, 'VAULT_SEALED');
    assert.equal(s.store.providers.get('custom-later'), undefined);
    assert.deepEqual(filesContaining(s.dirs.root, `${SECRET}-2`), []);
    admin.close();
    await login(s);
    c = await connect(s, writeKey, ['chat']);
    llm.script({ text: 'Still here after a restart.' });
    const r = await c.request('chat.send', { sessionKey: 'first', text: 'still there?' });
    assert.equal((await c.next(finalOrError(r.payload.runId))).payload.text, 'Still here after a restart.');
    c.close();
    assert.deepEqual(filesContaining(s.dirs.root, SECRET), []);
  });

  test('a provider whose server is down, or that does not know the model, is explained in the conversation', async () => {
    const admin = await connect(s, adminKey, []);
    const downUrl = `http://127.0.0.1:${localServers[1]!.port}/v1`;
    assert.equal((await admin.request('providers.add_custom', { name: 'down', base_url: downUrl, models: ['m'] })).ok, true);
    const c = await connect(s, writeKey, ['chat']);
    assert.equal((await c.request('sessions.create', { key: 'down', label: 'down' })).ok, true);
    assert.equal((await c.request('sessions.set_model', { key: 'down', model: 'custom-down/m' })).ok, true);
    const r = await c.request('chat.send', { sessionKey: 'down', text: 'hello?' });
    assert.equal((await c.next(finalOrError(r.payload.runId), 15_000)).payload.text,
      'Cannot reach custom-down (connection refused). Is the server running, and is its base URL in Settings > Models right?');
    llm.script({ status: 404, error: { message: 'The model `gpt-9` does not exist', code: 'model_not_found' } });
    const r2 = await c.request('chat.send', { sessionKey: 'first', text: 'hello?' });
    assert.match((await c.next(finalOrError(r2.payload.runId))).payload.text, /does not know this model or address \(404\): The model `gpt-9` does not exist\. Pick another model/);
    assert.equal((await admin.request('providers.remove_key', { provider: 'custom-down' })).ok, true);
    admin.close(); c.close();
  });

  test('save_model picks the default; remove_key removes a runtime provider and its key', async () => {
    const c = await connect(s, adminKey, []);
    assert.equal((await c.request('providers.save_model', { model: 'custom-scripted/other-model' })).ok, true);
    const m = await c.request('models.list');
    assert.equal(m.payload.defaultModel, 'custom-scripted/other-model');
    assert.deepEqual(m.payload.models.map((x: { id: string; default: boolean }) => [x.id, x.default]), [['custom-scripted/scripted-model', false], ['custom-scripted/other-model', true]]);
    const rm = await c.request('providers.remove_key', { provider: 'custom-scripted' });
    assert.deepEqual(rm.payload, { ok: true, removedKey: true, removedProvider: true });
    assert.deepEqual((await c.request('providers.list')).payload.providers, []);
    assert.equal(s.vault.secrets.list('provider').length, 0);
    c.close();
  });
});

describe('providers from moltis.toml', () => {
  test('are listed read-only, cannot be replaced at runtime, and keep their entry when their key is removed', async (t) => {
    const llm = await startScriptedLlm();
    const s = await startTestServer({ toml: `[providers.custom-file]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n` });
    t.after(async () => { await s.stop(); await llm.close(); });
    const cookie = await setupPassword(s);
    const adminKey = (await createKey(s, cookie, ['operator.admin'])).key;
    const c = await connect(s, adminKey, []);
    const list = await c.request('providers.list');
    assert.equal(list.payload.providers[0].source, 'config');
    assert.equal(list.payload.providers[0].readOnly, true);
    const add = await c.request('providers.add_custom', { name: 'file', base_url: 'http://127.0.0.1:1/v1', models: ['x'] });
    assert.equal(add.error?.code, 'CONFLICT');
    assert.match(add.error!.message, /moltis\.toml/);
    assert.equal((await c.request('providers.save_key', { provider: 'custom-file', api_key: 'k' })).ok, true);
    const rm = await c.request('providers.remove_key', { provider: 'custom-file' });
    assert.deepEqual(rm.payload, { ok: true, removedKey: true, removedProvider: false });
    assert.equal((await c.request('models.list')).payload.models.length, 1);
    const pick = await c.request('providers.save_model', { model: 'custom-file/unlisted' });
    assert.match(pick.error!.message, /moltis\.toml/);
    c.close();
  });
});
