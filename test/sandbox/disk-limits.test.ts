import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBwrapRunner } from '../../src/sandbox/index.js';
import type { Runner, RunRequest } from '../../src/sandbox/index.js';

// Filling the disk from the sandbox: one huge file (RLIMIT_FSIZE) and many files under that size
// (the disk guard over workspace + home). Each attack would write without bound on the host runner.
const skip = spawnSync('bwrap', ['--version']).status === 0 ? false : 'bwrap is not installed (apt install bubblewrap)';
const MiB = 1024 * 1024;
const limits = { memoryBytes: 256 * MiB, cpuQuota: 1, pidsMax: 128, fileSizeBytes: 4 * MiB, diskBytes: 24 * MiB };

let base = '';
let ws = '';
let home = '';
let runner: Runner;
const run = (command: string, over: Partial<RunRequest> = {}) => runner.run({ command, cwd: ws, home, env: {}, timeoutMs: 60_000, maxBytes: 65_536, ...over });
/** Bytes held by a tree on the host (file sizes; the sandbox writes no sparse files here). */
const held = (dir: string): number => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).reduce((a, e) => a + statSync(join(e.parentPath ?? e.path, e.name)).size, 0);

before(() => {
  base = mkdtempSync(join(tmpdir(), 'moltis-disk-'));
  ws = join(base, 'ws'); home = join(base, 'home');
  mkdirSync(ws); mkdirSync(home);
  // A look at least every second (default 5 s) keeps the slow-writer cases short.
  runner = createBwrapRunner({ limits, disk: { fullCheckMs: 1000 } });
});
after(async () => { await runner?.close(); rmSync(base, { recursive: true, force: true }); });

test('a file bigger than file_size_limit stops at the limit, and the run says why', { skip }, async () => {
  const r = await run('head -c 12582912 /dev/zero > big');
  assert.equal(r.exitCode, 128 + 25, r.stderr); // SIGXFSZ
  assert.equal(r.limit, 'file-size');
  assert.equal(statSync(join(ws, 'big')).size, limits.fileSizeBytes);
  // Programs that handle EFBIG see the error instead of dying; the file still stops at the limit.
  const dd = await run('dd if=/dev/zero of=big2 bs=1M count=12 2>&1; echo rc=$?');
  assert.match(dd.stdout, /rc=[1-9]/);
  assert.ok(statSync(join(ws, 'big2')).size <= limits.fileSizeBytes);
  rmSync(join(ws, 'big'));
  rmSync(join(ws, 'big2'));
});

test('many files under the size limit: the command is killed once workspace + home pass disk_limit', { skip }, async () => {
  // Without the guard this loop writes until the timeout (or the disk is full).
  const r = await run('i=0; while :; do head -c 1048576 /dev/zero > f$i || exit 3; head -c 524288 /dev/zero > ~/h$i || exit 3; i=$((i+1)); done');
  assert.equal(r.limit, 'disk', `${r.exitCode} ${r.stderr}`);
  assert.equal(r.timedOut, false);
  assert.match(r.stderr, /disk limit/);
  const total = held(ws) + held(home);
  assert.ok(total > limits.diskBytes, `only ${total} bytes written: the limit was not reached`);
  // Overshoot is bounded by what a command writes between two looks (100 ms).
  assert.ok(total < limits.diskBytes + 64 * MiB, `wrote ${total} bytes, far past the limit`);
});

test('an over-limit workspace cannot grow, but can be cleaned up', { skip }, async () => {
  const grow = await run('head -c 1048576 /dev/zero > more; sleep 3; echo survived');
  assert.equal(grow.limit, 'disk');
  assert.ok(!grow.stdout.includes('survived'));
  const clean = await run('rm -f f* ~/h* more; sleep 3; echo cleaned');
  assert.equal(clean.stdout, 'cleaned\n', clean.stderr);
  assert.equal(clean.limit, undefined);
  const ok = await run('head -c 1048576 /dev/zero > fine && echo ok');
  assert.equal(ok.stdout, 'ok\n');
  assert.equal(ok.limit, undefined);
});
