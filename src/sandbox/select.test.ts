import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSandbox, type CreateSandboxOptions } from './select.js';

const haveBwrap = spawnSync('bwrap', ['--version']).status === 0;
const limits = { memoryBytes: 256 * 1024 * 1024, cpuQuota: 1, pidsMax: 64, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };
const noOci = { oci: async (engine: 'podman' | 'docker') => ({ ok: false, engine, reason: `image localhost/none:latest not found` }) };
const opts = (over: Partial<CreateSandboxOptions>): CreateSandboxOptions & { logs: string[] } => {
  const logs: string[] = [];
  return { enabled: true, backend: 'auto', limits, image: 'localhost/moltis-test-no-such-image:latest', ociArgs: [], log: (m, l) => logs.push(`${l ?? 'info'}: ${m}`), logs, ...over };
};

test('auto picks bwrap here when no OCI image is configured, and reports it', { skip: haveBwrap ? false : 'bwrap is not installed' }, async () => {
  // Real probes: podman is installed but the image does not exist, bwrap works.
  const o = opts({ ociArgs: ['--runtime', '/usr/sbin/runc', '--cgroup-manager', 'cgroupfs', '--storage-driver', 'vfs'] });
  const c = await createSandbox(o);
  try {
    assert.equal(c.chosen, 'bwrap');
    assert.equal(c.fallback, false);
    assert.equal(c.runner.isolated, true);
    assert.match(c.reason, /auto/);
    assert.ok(o.logs.some((l) => l.startsWith('info: sandbox: using bwrap')), o.logs.join('\n'));
    // Start-up names the command that builds the missing image (printed: it does not start with "sandbox: ").
    assert.ok(o.logs.includes('info: hint: podman works but image localhost/moltis-test-no-such-image:latest is missing: build it with `moltis sandbox image build --backend podman`'), o.logs.join('\n'));
    const r = await c.runner.run({ command: 'id -u', cwd: '/tmp', env: {}, timeoutMs: 5000, maxBytes: 100 });
    assert.equal(r.stdout.trim(), '1000');
  } finally { await c.runner.close(); }
});

test('auto prefers a working OCI engine over bwrap', async () => {
  const c = await createSandbox(opts({ probe: { oci: async (engine) => ({ ok: engine === 'podman', engine, reason: 'ran a container' }), bwrap: async () => ({ ok: true, reason: 'x' }) } }));
  try {
    assert.equal(c.chosen, 'podman');
    assert.equal(c.runner.name, 'podman');
  } finally { await c.runner.close(); }
});

test('auto with nothing working: loud warning, host runner, fallback flag', async () => {
  const o = opts({ platform: 'linux', probe: { ...noOci, bwrap: async () => ({ ok: false, reason: 'bwrap failed: No permissions to create new namespace' }) } });
  const c = await createSandbox(o);
  assert.equal(c.chosen, 'host');
  assert.equal(c.fallback, true);
  assert.equal(c.runner.isolated, false);
  assert.match(c.reason, /No permissions to create new namespace/);
  assert.ok(o.logs.some((l) => l.startsWith('warn: ') && /UNSANDBOXED/.test(l)));
});

test('auto on macOS tries Apple container after bwrap', async () => {
  const c = await createSandbox(opts({ platform: 'darwin', probe: { ...noOci, bwrap: async () => ({ ok: false, reason: 'no bwrap' }), apple: async () => ({ ok: true, reason: 'running' }) } }));
  assert.equal(c.chosen, 'apple-container');
  assert.equal(c.networkIsolated, false); // never reported as network "none"

  assert.equal(c.fallback, false);
});

test('an explicit backend that does not work throws with what failed and how to fix it', async () => {
  await assert.rejects(createSandbox(opts({ backend: 'bwrap', probe: { bwrap: async () => ({ ok: false, reason: 'bwrap not runnable: spawn bwrap ENOENT' }) } })),
    (e: Error) => /"bwrap" does not work/.test(e.message) && /ENOENT/.test(e.message) && /apt install bubblewrap/.test(e.message));
  await assert.rejects(createSandbox(opts({ backend: 'podman', probe: noOci })), /"podman" does not work.*not found.*never pulled/);
  await assert.rejects(createSandbox(opts({ backend: 'oci', probe: noOci })), /podman: .*docker: /);
  await assert.rejects(createSandbox(opts({ backend: 'apple-container', probe: { apple: async () => ({ ok: false, reason: 'apple-container needs macOS' }) } })), /needs macOS/);
});

test('an explicit broken bwrap (real probe of a missing binary path) throws', async () => {
  // The real probe, with PATH emptied so `bwrap` cannot be found: never a silent downgrade to host.
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try { await assert.rejects(createSandbox(opts({ backend: 'bwrap' })), /does not work on this machine/); } finally { process.env.PATH = saved; }
});

test('an unknown backend name throws', async () => {
  await assert.rejects(createSandbox(opts({ backend: 'firecracker' as never })), /unknown sandbox backend "firecracker"/);
});

test('enabled = false gives the host runner, chosen "none"', async () => {
  let probed = false;
  const c = await createSandbox(opts({ enabled: false, backend: 'bwrap', probe: { bwrap: async () => { probed = true; return { ok: true, reason: '' }; } } }));
  assert.equal(c.chosen, 'none');
  assert.equal(c.runner.name, 'host');
  assert.equal(c.fallback, false);
  assert.equal(probed, false);
});
