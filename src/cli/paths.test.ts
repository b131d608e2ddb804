import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliName } from './paths.js';

test('hints say `moltis` only when it is on PATH, and `npx moltis` under npx or otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-path-'));
  try {
    assert.equal(cliName({ PATH: dir }), 'npx moltis');
    writeFileSync(join(dir, 'moltis'), '#!/bin/sh\n');
    assert.equal(cliName({ PATH: dir }), 'npx moltis', 'not executable');
    chmodSync(join(dir, 'moltis'), 0o755);
    assert.equal(cliName({ PATH: `/nonexistent:${dir}` }), 'moltis');
    assert.equal(cliName({ PATH: dir, npm_command: 'exec' }), 'npx moltis', 'npx puts its own bin dir on PATH');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
