import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDiskGuard } from './disk.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function dirs(): { base: string; ws: string; home: string } {
  const base = mkdtempSync(join(tmpdir(), 'moltis-disk-unit-'));
  const ws = join(base, 'ws'); const home = join(base, 'home');
  mkdirSync(ws); mkdirSync(home);
  return { base, ws, home };
}

test('measure: du over workspace and home together', async () => {
  const d = dirs();
  try {
    writeFileSync(join(d.ws, 'a'), Buffer.alloc(2 * MiB, 1));
    writeFileSync(join(d.home, 'b'), Buffer.alloc(1 * MiB, 1));
    const bytes = await createDiskGuard({ limitBytes: MiB }).measure([d.ws, d.home]);
    assert.ok(bytes !== null && bytes >= 3 * MiB && bytes < 4 * MiB, String(bytes));
  } finally { rmSync(d.base, { recursive: true, force: true }); }
});

test('small runs cannot creep past the limit: unmeasured growth adds up across runs until it is measured', async () => {
  const d = dirs();
  let fs = 0; // a fake file system: grows exactly by what the "commands" below write
  const g = createDiskGuard({ limitBytes: 3 * MiB, stepBytes: 2 * MiB, fsUsed: () => fs, pollMs: 10_000 });
  try {
    const verdicts: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const w = g.watch([d.ws, d.home], () => assert.fail('nothing to kill: each run ends before a look'));
      writeFileSync(join(d.ws, `f${i}`), Buffer.alloc(900 * KiB, 1));
      fs += 900 * KiB;
      verdicts.push(await w.stop());
    }
    // Each 2 MiB of unmeasured growth triggers a look: run 3 (2.7M, fine), run 6 (5.4M, over). The
    // overshoot is bounded by one step however small the runs.
    assert.deepEqual(verdicts, [false, false, false, false, false, true]);
  } finally { rmSync(d.base, { recursive: true, force: true }); }
});

test('fail closed: a workspace that cannot be measured counts as over, and the command is killed', async () => {
  const d = dirs();
  let fs = 0;
  const g = createDiskGuard({ limitBytes: 64 * MiB, duPath: '/nonexistent/du', fsUsed: () => fs, pollMs: 10, stepBytes: MiB });
  try {
    let killed = 0;
    const w = g.watch([d.ws], () => { killed++; });
    fs += 2 * MiB;
    for (let i = 0; i < 100 && killed === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await w.stop(), true);
    assert.equal(killed, 1);
  } finally { rmSync(d.base, { recursive: true, force: true }); }
});

test('a look is due at least every fullCheckMs even when the file system seems not to grow (growth hidden by deletions elsewhere)', async () => {
  const d = dirs();
  const g = createDiskGuard({ limitBytes: MiB, fsUsed: () => 0, pollMs: 10, fullCheckMs: 50 });
  try {
    let killed = 0;
    const w = g.watch([d.ws], () => { killed++; });
    writeFileSync(join(d.ws, 'big'), Buffer.alloc(2 * MiB, 1));
    for (let i = 0; i < 100 && killed === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(killed, 1);
    assert.equal(await w.stop(), true);
    assert.ok((w.lastBytes ?? 0) >= 2 * MiB);
  } finally { rmSync(d.base, { recursive: true, force: true }); }
});

test('a home inside (or equal to) the workspace is counted once, not refused as unmeasurable', async () => {
  const d = dirs();
  try {
    writeFileSync(join(d.ws, 'a'), Buffer.alloc(MiB, 1));
    mkdirSync(join(d.ws, 'home'));
    writeFileSync(join(d.ws, 'home', 'b'), Buffer.alloc(MiB, 1));
    const g = createDiskGuard({ limitBytes: 64 * MiB });
    for (const paths of [[d.ws, d.ws], [d.ws, join(d.ws, 'home')]]) {
      const bytes = await g.measure(paths);
      assert.ok(bytes !== null && bytes >= 2 * MiB && bytes < 3 * MiB, `${paths.join(' ')}: ${bytes}`);
    }
  } finally { rmSync(d.base, { recursive: true, force: true }); }
});
