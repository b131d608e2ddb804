/**
 * `moltis sandbox image build|list|rm` as a user runs it: the CLI reads the gateway's config
 * (`--config-dir`: engine, `oci_args`, image name), so the image lands where the gateway's probe
 * looks; once removed, `sandbox status` names the exact command that builds it again.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs } from '../cli/harness.js';
import { createTestPodman, podmanAvailable } from '../support/oci-image.js';

after(killAll);
const skip = podmanAvailable() ? false : 'podman not available';
const IMAGE = 'localhost/moltis-sandbox-cli-test:latest';

test('image build/list/rm use the config engine and storage; a missing image names the fix', { skip, timeout: 300_000 }, async () => {
  const tp = createTestPodman();
  const d = tempDirs();
  try {
    mkdirSync(d.configDir, { recursive: true });
    mkdirSync(d.dataDir, { recursive: true });
    writeFileSync(join(d.configDir, 'moltis.toml'),
      `[tools.exec.sandbox]\nbackend = "podman"\nimage = "${IMAGE}"\noci_args = ${JSON.stringify(tp.args)}\n`);
    const env = cleanEnv(d);
    const dirs = ['--config-dir', d.configDir];

    const build = await runCli(['sandbox', 'image', 'build', '--offline', ...dirs], env, 120_000);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /importing .* into podman/);
    assert.match(build.stdout, new RegExp(`built ${IMAGE}`));

    const list = await runCli(['sandbox', 'image', 'list', ...dirs], env, 60_000);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${IMAGE} \\(configured\\) .*offline: host /usr read-only`));

    // The gateway's own probe finds and runs it (the host /usr is mounted by the label alone).
    const ok = await runCli(['sandbox', 'status', ...dirs, '--data-dir', d.dataDir], env, 120_000);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /backend: podman/);

    // rm refuses an image it did not build (fails closed): someone else's image stays.
    const tar = join(d.root, 'empty.tar');
    assert.equal(spawnSync('tar', ['-C', d.configDir, '-cf', tar, 'moltis.toml']).status, 0);
    assert.equal(spawnSync('podman', [...tp.args, 'import', tar, 'localhost/not-ours:1']).status, 0);
    const foreign = await runCli(['sandbox', 'image', 'rm', 'localhost/not-ours:1', ...dirs], env, 60_000);
    assert.notEqual(foreign.code, 0);
    assert.match(foreign.stderr, /not built by `moltis sandbox image build`/);
    assert.equal(spawnSync('podman', [...tp.args, 'image', 'exists', 'localhost/not-ours:1']).status, 0);
    const gone = await runCli(['sandbox', 'image', 'rm', 'localhost/never-was:1', ...dirs], env, 60_000);
    assert.match(gone.stderr, /no image localhost\/never-was:1/);

    // A name an engine could read as a flag never reaches it.
    const flag = await runCli(['sandbox', 'image', 'rm', '--config-dir', d.configDir, '--', '--all'], env, 60_000);
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /"--all" is not an image name/);
    assert.equal(spawnSync('podman', [...tp.args, 'image', 'exists', IMAGE]).status, 0);

    const rm = await runCli(['sandbox', 'image', 'rm', ...dirs], env, 60_000);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, new RegExp(`removed ${IMAGE}`));

    const missing = await runCli(['sandbox', 'status', ...dirs, '--data-dir', d.dataDir], env, 120_000);
    assert.match(missing.stdout + missing.stderr, /build it with `moltis sandbox image build --backend podman`/);
  } finally {
    tp.close();
    removeDirs(d);
  }
});
