/**
 * `moltis sandbox image build` offline path, for real: the image is imported into a podman storage
 * of the test's own (through `oci_args`, as the CLI passes the config's), then the gateway's sandbox
 * selection probes it and the OCI runner runs git and python3 from the host's /usr inside it,
 * with the network off and the limits on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSandboxImage, createSandbox, listSandboxImages, removeSandboxImage } from '../../src/sandbox/index.js';
import { createTestPodman, podmanAvailable } from '../support/oci-image.js';

const hostTools = existsSync('/usr/bin/git') && existsSync('/usr/bin/python3');
const skip = !podmanAvailable() ? 'podman not available' : !hostTools ? 'host has no /usr/bin/git or /usr/bin/python3' : false;
const TAG = 'localhost/moltis-sandbox-offline-test:latest';
const limits = { memoryBytes: 256 * 1024 * 1024, cpuQuota: 1, pidsMax: 64, fileSizeBytes: 8 * 1024 * 1024, diskBytes: 64 * 1024 * 1024 };

test('offline image: built without a registry, git and python3 run in it confined', { skip, timeout: 300_000 }, async () => {
  const tp = createTestPodman();
  const dir = mkdtempSync(join(tmpdir(), 'moltis-imgtest-'));
  try {
    const lines: string[] = [];
    const mode = await buildSandboxImage({ engine: 'podman', globalArgs: tp.args, tag: TAG, mode: 'offline', progress: (l) => lines.push(l) });
    assert.equal(mode, 'offline');
    assert.ok(lines.some((l) => l.includes(`built ${TAG}`)), lines.join('\n'));
    const listed = await listSandboxImages({ engine: 'podman', globalArgs: tp.args });
    assert.deepEqual(listed.map((i) => [i.name, i.hostUsr]), [[TAG, true]]);

    // The gateway's own choice: an explicit podman backend probes the image (fails closed when it cannot run).
    const choice = await createSandbox({ enabled: true, backend: 'podman', limits, image: TAG, ociArgs: tp.args, instance: dir, log: () => {} });
    const r = choice.runner;
    try {
      assert.equal(r.name, 'podman');
      const cwd = join(dir, 'ws'); mkdirSync(cwd);
      const run = (command: string) => r.run({ command, cwd, env: { PATH: '/usr/bin:/bin' }, timeoutMs: 60_000, maxBytes: 64 * 1024, sessionKey: 's1', network: 'none' });
      const git = await run('git --version');
      assert.equal(git.exitCode, 0, git.stderr);
      assert.match(git.stdout, /^git version /);
      const py = await run(`python3 -c 'print(1)'`);
      assert.equal(py.exitCode, 0, py.stderr);
      assert.equal(py.stdout.trim(), '1');
      // Network off: only the loopback interface exists inside.
      const ifs = await run(`python3 -c 'import socket; print(sorted(n for _, n in socket.if_nameindex()))'`);
      assert.equal(ifs.stdout.trim(), "['lo']", ifs.stderr);
      // Limits on: the file-size rlimit and the pids cgroup are the configured ones; commands are not root.
      const lim = await run(`python3 -c 'import resource,os; print(resource.getrlimit(resource.RLIMIT_FSIZE)[0], os.getuid())'`);
      assert.equal(lim.stdout.trim(), `${limits.fileSizeBytes} 65534`, lim.stderr);
      const pids = await run('cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max');
      assert.equal(pids.stdout.trim(), String(limits.pidsMax), pids.stderr);
      // Attack: the host's /usr is lent read-only; a command cannot plant a program in it.
      const plant = await run('echo pwned > /usr/bin/moltis-planted; echo rc=$?');
      assert.match(plant.stdout, /rc=[1-9]/);
      assert.equal(existsSync('/usr/bin/moltis-planted'), false);
      // The lent /usr is mounted read-only, nosuid, nodev: neither the container's root nor a host setuid binary can use it.
      const mnt = await run(`grep ' /usr ' /proc/mounts`);
      assert.match(mnt.stdout, /\s\/usr\s\S+\s(\S*,)?ro,/, mnt.stdout);
      assert.match(mnt.stdout, /nosuid/);
      assert.match(mnt.stdout, /nodev/);
    } finally { await r.close(); }

    await removeSandboxImage({ engine: 'podman', globalArgs: tp.args }, TAG);
    assert.equal(spawnSync('podman', [...tp.args, 'image', 'exists', TAG]).status, 1);
  } finally {
    tp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
