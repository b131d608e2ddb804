import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The podman global arguments that work on the project machine (DESIGN.md "The machine ..."):
 * runc (crun fails on the hybrid cgroup layout), cgroupfs, the vfs storage driver and file events.
 * Never used alone: {@link createTestPodman} adds storage of the test's own.
 */
export const PODMAN_MACHINE_ARGS = ['--runtime', '/usr/sbin/runc', '--cgroup-manager', 'cgroupfs', '--storage-driver', 'vfs', '--events-backend', 'file'];

/** A podman with storage of its own: pass `args` as every call's global arguments. */
export interface TestPodman {
  /** Machine flags plus --root/--runroot/--tmpdir under `dir`. */
  readonly args: string[];
  readonly dir: string;
  /** Removes every container of this storage, then the storage itself. */
  close(): void;
}

/**
 * Podman state under a fresh temp dir (--root images and containers, --runroot and --tmpdir run
 * state), so tests and the bench neither depend on nor disturb the user's podman storage: a plain
 * `podman` call that initialized it with another graph driver ("database storage graph driver ""
 * does not match our storage graph driver vfs") cannot break them, and they leave nothing behind.
 */
export function createTestPodman(prefix = 'moltis-podman-'): TestPodman {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const args = [...PODMAN_MACHINE_ARGS, '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp')];
  let closed = false;
  return {
    args, dir,
    close() {
      if (closed) return;
      closed = true;
      spawnSync('podman', [...args, 'rm', '--all', '--force', '--time', '0'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when podman can be run at all (tests skip with a reason otherwise). */
export function podmanAvailable(): boolean {
  return spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0;
}

function podman(globalArgs: string[], args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('podman', [...globalArgs, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr ?? '' };
}

/** Copies a host file to the same path under `root`, creating parents. */
function copyIn(root: string, path: string): void {
  const dest = join(root, path);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(path, dest);
}

/** Bump when the rootfs recipe changes: the tag names the recipe, so a stale image is never reused. */
const VERSION = '2';
export const TEST_IMAGE = `localhost/moltis-sandbox-test:${VERSION}`;

/**
 * Builds, once per storage, a tiny image without any registry: static busybox with its applets
 * linked in /bin, socat (the trusted-mode proxy bridge) with the shared libraries `ldd` lists,
 * a passwd naming uid 65534 `sandbox`, and a sticky /tmp (the runner's tmpfs keeps that mode).
 * Reused when the tag already exists. `globalArgs`: a {@link createTestPodman}'s `args`.
 */
export async function ensureTestImage(globalArgs: string[]): Promise<string> {
  if (podman(globalArgs, ['image', 'exists', TEST_IMAGE]).status === 0) return TEST_IMAGE;
  const work = mkdtempSync(join(tmpdir(), 'moltis-img-'));
  try {
    const root = join(work, 'root');
    for (const d of ['bin', 'usr/bin', 'etc', 'tmp', 'run/moltis', 'workspace', 'home/sandbox', 'proc', 'sys', 'dev', 'root']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    // runc keeps an existing directory's mode under a tmpfs mount: /tmp must be sticky and world-writable here.
    chmodSync(join(root, 'tmp'), 0o1777);
    for (const d of ['workspace', 'home/sandbox']) chownSync(join(root, d), 65534, 65534);
    copyFileSync('/usr/bin/busybox', join(root, 'bin/busybox'));
    const applets = spawnSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => /^[a-z0-9_.-]+$/.test(a));
    for (const a of applets) if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
    copyIn(root, '/usr/bin/socat');
    const ldd = spawnSync('ldd', ['/usr/bin/socat'], { encoding: 'utf8' }).stdout;
    for (const m of ldd.matchAll(/(\/[^\s]+) \(0x/g)) if (m[1] && existsSync(m[1])) copyIn(root, m[1]);
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nsandbox:x:65534:65534:sandbox:/home/sandbox:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nsandbox:x:65534:\n');
    const tar = join(work, 'root.tar');
    const t = spawnSync('tar', ['-C', root, '-cf', tar, '.'], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`tar failed: ${t.stderr}`);
    const imp = podman(globalArgs, ['import', tar, TEST_IMAGE]);
    // A concurrent builder may have won the race: that image is as good as ours.
    if (imp.status !== 0 && podman(globalArgs, ['image', 'exists', TEST_IMAGE]).status !== 0) {
      throw new Error(`podman import failed: ${imp.stderr}`);
    }
    return TEST_IMAGE;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
