import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appleContainerArgs, appleEnv, probeAppleContainer } from './apple.js';

const limits = { memoryBytes: 512 * 1024 * 1024 + 1, cpuQuota: 1.5, pidsMax: 64, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };
const base = { command: 'echo "$A"; id', cwd: '/Users/me/ws', env: { A: 'b', PATH: '/evil' }, timeoutMs: 1000, maxBytes: 100 };
const pairs = (a: string[], flag: string) => a.flatMap((x, i) => (x === flag ? [a[i + 1]] : []));

test('limits become VM sizes and a process limit', () => {
  const a = appleContainerArgs({ request: base, image: 'img', limits, name: 'n1', envFile: '/tmp/e.env' });
  assert.deepEqual(a.slice(0, 4), ['run', '--rm', '--name', 'n1']);
  assert.deepEqual(pairs(a, '--memory'), ['513M']);
  assert.deepEqual(pairs(a, '--cpus'), ['2']);
  assert.deepEqual(pairs(a, '--ulimit'), ['nproc=64:64', `fsize=${64 * 1024 * 1024}:${64 * 1024 * 1024}`]);
});

test('read-only root, non-root user, only workspace and home mounted, command as one argument', () => {
  const a = appleContainerArgs({ request: { ...base, home: '/Users/me/home' }, image: 'img', limits, name: 'n', envFile: '/tmp/e.env' });
  for (const f of ['--read-only', '--no-dns']) assert.ok(a.includes(f), f);
  assert.deepEqual(pairs(a, '--user'), ['1000:1000']);
  assert.deepEqual(pairs(a, '--volume'), ['/Users/me/ws:/workspace', '/Users/me/home:/home/sandbox']);
  assert.deepEqual(pairs(a, '--workdir'), ['/workspace']);
  assert.deepEqual(pairs(a, '--env-file'), ['/tmp/e.env']);
  assert.deepEqual(a.slice(-4), ['img', '/bin/sh', '-c', 'echo "$A"; id']);
  assert.ok(!a.includes('--network'));
});

test('no home → tmpfs home; per-request image override', () => {
  const a = appleContainerArgs({ request: { ...base, image: 'other' }, image: 'img', limits, name: 'n', envFile: '/tmp/e.env' });
  assert.deepEqual(pairs(a, '--tmpfs'), ['/tmp', '/home/sandbox']);
  assert.equal(a.at(-4), 'other');
});

test('trusted network is refused rather than granting an open network', () => {
  assert.throws(() => appleContainerArgs({ request: { ...base, network: 'trusted', proxySocket: '/s' }, image: 'i', limits, name: 'n', envFile: '/tmp/e.env' }), /not supported/);
});

test('probe says no off macOS', { skip: process.platform === 'darwin' ? 'on macOS the probe is real' : false }, async () => {
  const p = await probeAppleContainer();
  assert.equal(p.ok, false);
  assert.match(p.reason, /macOS/);
});

test('env values (owner secrets) never reach argv, where any local user sees them in ps', () => {
  const req = { ...base, env: { API_TOKEN: 'sk-very-secret', PATH: '/evil' } };
  const a = appleContainerArgs({ request: req, image: 'img', limits, name: 'n', envFile: '/tmp/e.env' });
  assert.ok(!a.some((x) => x.includes('sk-very-secret')), a.join(' '));
  assert.ok(!a.includes('--env') && !a.includes('-e'));
  assert.deepEqual(appleEnv(req), { API_TOKEN: 'sk-very-secret', PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/sandbox' });
});
