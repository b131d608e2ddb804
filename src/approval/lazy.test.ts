/**
 * The shell grammar (WASM) loads on the first classification, not when the gateway imports or
 * creates the classifier; and a classification never runs unchecked because it is not loaded yet.
 * This file imports the classifier dynamically, after counting WebAssembly compilations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

let compiled = 0;
for (const k of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming'] as const) {
  const orig = WebAssembly[k] as (...a: unknown[]) => unknown;
  (WebAssembly as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => { compiled++; return orig.apply(WebAssembly, a); };
}

test('importing and creating the classifier loads no WASM; the first classification waits for it', async () => {
  const { createClassifier } = await import('./index.js');
  const c = createClassifier();
  try {
    assert.equal(compiled, 0, 'the grammar loaded at import or creation');
    // Before the grammar is there, the synchronous path asks for everything, in every mode.
    for (const mode of ['never', 'smart'] as const) {
      const d = c.classifySync('ls', { mode });
      assert.deepEqual([d.decision, d.floor, d.rule], ['ask', true, 'unparsable'], d.reason);
    }
    assert.equal(c.classifySync('ls', { mode: 'never', sandbox: { network: false, floor: 'off' } }).decision, 'ask');
    assert.equal(compiled, 0);
    // Concurrent first calls all wait for the one load and are judged for real.
    const [a, b, ok] = await Promise.all([c.classify('rm -rf /', { mode: 'never' }), c.classify('rm -rf ~', { mode: 'never' }), c.classify('ls', { mode: 'smart' })]);
    assert.ok(compiled > 0, 'the grammar loaded on the first classification');
    assert.deepEqual([a.decision, a.floor, a.rule], ['ask', true, 'rm-rf-root']);
    assert.deepEqual([b.decision, b.floor, b.rule], ['ask', true, 'rm-rf-home']);
    assert.deepEqual([ok.decision, ok.rule], ['run', null]);
    assert.equal(c.classifySync('git push -f origin main', { mode: 'never' }).rule, 'git-push-force');
  } finally {
    c.close();
  }
  await assert.rejects(c.classify('ls', { mode: 'never' }), /closed/);
  assert.equal(c.classifySync('ls', { mode: 'never' }).decision, 'ask');
});

test('an allowlist change takes effect on the next call (compiled entries are keyed by their text only)', async () => {
  const { createClassifier } = await import('./index.js');
  const c = createClassifier();
  try {
    await c.load();
    assert.equal(c.classifySync('git push -f origin main', { mode: 'never', allowlist: ['git push -f origin main'] }).floor, false);
    // Same command, the entry removed or changed: the floor holds again.
    assert.equal(c.classifySync('git push -f origin main', { mode: 'never', allowlist: [] }).rule, 'git-push-force');
    assert.equal(c.classifySync('git push -f origin main', { mode: 'never', allowlist: ['git push -f origin dev'] }).rule, 'git-push-force');
    assert.equal(c.classifySync('git push -f origin main', { mode: 'never' }).rule, 'git-push-force');
    // Look-alike entries (quoting, a glob) compile on their own and do not reuse another entry's pattern.
    assert.equal(c.classifySync('rm -rf /', { mode: 'never', allowlist: ["'rm' -rf /tmp/*"] }).rule, 'rm-rf-root');
    assert.equal(c.classifySync('rm -rf /tmp/x', { mode: 'smart', securityLevel: 'allowlist', allowlist: ["'rm' -rf /tmp/*"] }).decision, 'run');
    assert.equal(c.classifySync('rm -rf /tmp/x', { mode: 'smart', securityLevel: 'allowlist', allowlist: ['rm -rf /tmp/y'] }).decision, 'ask');
  } finally {
    c.close();
  }
});
