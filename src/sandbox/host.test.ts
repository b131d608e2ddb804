import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostRunner } from './host.js';

const dir = () => mkdtempSync(join(tmpdir(), 'moltis-run-'));
const env = { PATH: '/usr/bin:/bin' };

test('runs in the given directory with only the given environment', async () => {
  const d = dir();
  try {
    const r = await createHostRunner().run({ command: 'pwd; echo "[$SECRET]"; env | wc -l', cwd: d, env, timeoutMs: 5000, maxBytes: 4096 });
    assert.equal(r.exitCode, 0);
    const [pwd, secret] = r.stdout.split('\n');
    assert.equal(pwd, d);
    assert.equal(secret, '[]');
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('a timeout kills the whole process tree, background children included', async () => {
  const d = dir();
  try {
    const r = await createHostRunner().run({ command: 'sleep 31 & echo $! > bg.pid; sleep 32', cwd: d, env, timeoutMs: 300, maxBytes: 4096 });
    assert.equal(r.timedOut, true);
    const bg = Number(readFileSync(join(d, 'bg.pid'), 'utf8'));
    assert.ok(bg > 0);
    // The background child got the group's SIGKILL too (a plain child.kill() would leave it running).
    // Dead = gone, or a zombie waiting for its reaper (state Z in /proc).
    const dead = () => { try { return readFileSync(`/proc/${bg}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true; } catch { return true; } };
    for (let i = 0; i < 40 && !dead(); i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(dead(), true, 'background child still running');
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('output is capped', async () => {
  const d = dir();
  try {
    const r = await createHostRunner().run({ command: 'head -c 100000 /dev/zero | tr "\\0" a', cwd: d, env, timeoutMs: 5000, maxBytes: 1000 });
    assert.equal(r.stdout.length, 1000);
    assert.equal(r.truncated, true);
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('abort kills the command', async () => {
  const d = dir();
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await createHostRunner().run({ command: 'sleep 30', cwd: d, env, timeoutMs: 10_000, maxBytes: 100, signal: ac.signal });
    assert.equal(r.aborted, true);
    assert.ok(r.durationMs < 5000);
  } finally { rmSync(d, { recursive: true, force: true }); }
});
