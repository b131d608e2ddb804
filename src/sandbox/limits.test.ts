import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBwrapRunner } from './bwrap.js';
import { createLimiter } from './limits.js';
import type { RunRequest } from './types.js';

const haveBwrap = spawnSync('bwrap', ['--version']).status === 0;
const skip = haveBwrap ? false : 'bwrap is not installed (apt install bubblewrap)';
const MiB = 1024 * 1024;
const small = { memoryBytes: 64 * MiB, cpuQuota: 0.5, pidsMax: 32, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };
const cgroupMode = haveBwrap ? createLimiter({ limits: small }).mode() : 'rlimit';
const skipCg = skip || (cgroupMode === 'rlimit' ? 'no writable cgroup here (limits fall back to rlimits)' : false);
const ws = () => mkdtempSync(join(tmpdir(), 'moltis-lim-'));
const req = (command: string, cwd: string, over: Partial<RunRequest> = {}): RunRequest => ({ command, cwd, env: {}, timeoutMs: 20_000, maxBytes: 65_536, ...over });
const hog = 'perl -e \'$x = "a" x (200*1024*1024); print "survived\\n"\'';

test('memory hog dies at the memory limit and the runner says so', { skip: skipCg }, async () => {
  const d = ws(); const r = createBwrapRunner({ limits: small });
  try {
    const res = await r.run(req(hog, d));
    assert.ok(!res.stdout.includes('survived'));
    assert.notEqual(res.exitCode, 0);
    assert.equal(res.limit, 'memory');
    // Control: the same program with room to breathe survives (so the limit, not perl, killed it).
    const roomy = createBwrapRunner({ limits: { ...small, memoryBytes: 1024 * MiB } });
    const ok = await roomy.run(req(hog, d)).finally(() => roomy.close());
    assert.equal(ok.stdout, 'survived\n', ok.stderr);
    assert.equal(ok.limit, undefined);
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});

test('a fork bomb is bounded by pids_max; the host still spawns', { skip: skipCg }, async () => {
  const d = ws(); const r = createBwrapRunner({ limits: small });
  try {
    const res = await r.run(req('f(){ f | f & }; f; sleep 2; ls /proc | grep -c "^[0-9]"', d, { timeoutMs: 10_000, maxBytes: 4096 }));
    assert.equal(res.limit, 'pids');
    assert.equal(spawnSync('true').status, 0, 'host cannot spawn any more');
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});

test('a CPU loop is killed at the timeout and the per-run cgroup is removed', { skip: skipCg }, async () => {
  const id = `test-cpu-${process.pid}`;
  const d = ws(); const r = createBwrapRunner({ limits: small, limiter: { randomId: () => id } });
  const self = readFileSync('/proc/self/cgroup', 'utf8');
  const dirs = ['memory', 'pids', 'cpu'].map((c) => {
    const own = new RegExp(`^\\d+:(?:[^:]*,)?${c}(?:,[^:]*)?:(.*)$`, 'm').exec(self)?.[1] ?? '/';
    return join('/sys/fs/cgroup', c, own, 'moltis', id);
  });
  try {
    let seen = false;
    const running = r.run(req('while :; do :; done', d, { timeoutMs: 600 }));
    for (let i = 0; i < 25 && !seen; i++) { seen = cgroupMode !== 'cgroup1' || dirs.every((x) => existsSync(x)); await new Promise((res) => setTimeout(res, 20)); }
    const res = await running;
    assert.equal(res.timedOut, true);
    assert.ok(seen, 'the per-run cgroup never existed');
    for (const x of dirs) assert.equal(existsSync(x), false, `${x} left behind`);
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});

test('every mode: the command gets RLIMIT_FSIZE (soft and hard) and no core files', { skip }, async () => {
  const d = ws();
  const odd = { ...small, fileSizeBytes: 5 * MiB + 700 };
  try {
    for (const mode of [cgroupMode, 'rlimit'] as const) {
      const r = createBwrapRunner({ limits: odd, limiter: { mode } });
      try {
        // A raised limit would let one file fill the disk; cores would land in the workspace.
        const res = await r.run(req('grep -E "^Max (file size|core file size)" /proc/self/limits | tr -s " "; (ulimit -H -f 99999999) 2>/dev/null && echo raised; true', d));
        assert.equal(res.exitCode, 0, res.stderr);
        const want = mode === 'rlimit' ? odd.fileSizeBytes : Math.floor(odd.fileSizeBytes / 512) * 512;
        assert.deepEqual(res.stdout.trim().split('\n').map((l) => l.trim()), [`Max file size ${want} ${want} bytes`, 'Max core file size 0 0 bytes'], `${mode}: ${res.stdout}`);
      } finally { await r.close(); }
    }
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('huge output is capped', { skip }, async () => {
  const d = ws(); const r = createBwrapRunner({ limits: small });
  try {
    const res = await r.run(req('yes | head -c 50M', d, { maxBytes: 1000 }));
    assert.equal(res.stdout.length, 1000);
    assert.equal(res.truncated, true);
    assert.equal(res.exitCode, 0);
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});

test('rlimit fallback: prlimit in front of bwrap, and the memory hog still fails', { skip }, async () => {
  const d = ws(); const r = createBwrapRunner({ limits: { ...small, memoryBytes: 128 * MiB }, limiter: { mode: 'rlimit' } });
  try {
    const lim = createLimiter({ limits: small, mode: 'rlimit' }).begin(10_000);
    assert.deepEqual(lim.prefix, ['prlimit', `--as=${64 * MiB}`, '--nproc=32', '--cpu=5', `--fsize=${small.fileSizeBytes}`, '--core=0', '--']);
    const res = await r.run(req(hog, d));
    assert.ok(!res.stdout.includes('survived'), res.stdout);
    assert.notEqual(res.exitCode, 0);
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});

test('cgroup v2 (fake tree): nested below our own cgroup, controllers delegated, limits written', () => {
  const root = mkdtempSync(join(tmpdir(), 'moltis-cg2-'));
  try {
    const own = join(root, 'gw.service');
    mkdirSync(own);
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids');
    writeFileSync(join(own, 'cgroup.controllers'), 'cpu memory pids');
    const l = createLimiter({ limits: { memoryBytes: 64 * MiB, cpuQuota: 1.5, pidsMax: 32, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 }, cgroupRoot: root, selfCgroup: '0::/gw.service\n', randomId: () => 'run1' });
    assert.equal(l.mode(), 'cgroup2');
    assert.equal(readFileSync(join(own, 'cgroup.subtree_control'), 'utf8'), '+memory +pids +cpu');
    const run = l.begin(1000);
    const dir = join(own, 'moltis', 'run1');
    assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8'), String(64 * MiB));
    assert.equal(readFileSync(join(dir, 'pids.max'), 'utf8'), '32');
    assert.equal(readFileSync(join(dir, 'cpu.max'), 'utf8'), '150000 100000');
    // One shell sets the file rlimits (512-byte blocks) and enters the cgroup, then execs the sandbox.
    assert.deepEqual(run.prefix.slice(0, 2), ['/bin/sh', '-c']);
    assert.deepEqual(run.prefix.slice(-3), [String(64 * MiB / 512), join(dir, 'cgroup.procs'), '--']);
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    assert.equal(run.verdict(), 'memory');
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('forcing a mode that is not available throws', () => {
  const root = mkdtempSync(join(tmpdir(), 'moltis-cg-'));
  try {
    assert.throws(() => createLimiter({ limits: small, mode: 'cgroup2', cgroupRoot: root, selfCgroup: '0::/\n' }), /cgroup2 is not usable/);
    assert.equal(existsSync(join(root, 'moltis')), false);
  } finally { rmSync(root, { recursive: true, force: true }); }
});
