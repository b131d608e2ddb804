import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClassifier, type Classifier } from '../approval/index.js';
import { safeEnv } from './exec.js';

let c: Classifier;
before(async () => { c = createClassifier(); await c.load(); });
after(() => c.close());

/** Loader and runtime hooks: one list (approval/env.ts) for the floor and for the owner's variables. */
const HOOKS = ['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH', 'DYLD_INSERT_LIBRARIES', 'BASH_ENV', 'ENV', 'ZDOTDIR', 'PROMPT_COMMAND', 'NODE_OPTIONS', 'PYTHONSTARTUP', 'PERL5OPT', 'RUBYOPT', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS'];

test('the vault variables passed to a command never include a loader hook the floor would stop', () => {
  const vars = Object.fromEntries([...HOOKS, 'GITHUB_TOKEN', 'PYTHONPATH', 'MY_VAR'].map((k) => [k, '/tmp/x']));
  assert.deepEqual(Object.keys(safeEnv(vars)).sort(), ['GITHUB_TOKEN', 'MY_VAR', 'PYTHONPATH']);
  for (const k of HOOKS) assert.equal(c.classifySync(`${k}=/tmp/x ls`, { mode: 'never' }).rule, 'dangerous-env', k);
  assert.equal(c.classifySync('PYTHONPATH=src python -m pytest', { mode: 'never' }).floor, false);
  assert.deepEqual(safeEnv({ 'BAD-NAME': 'x', NUL: 'a\0b', OK: 'y' }), { OK: 'y' });
});
