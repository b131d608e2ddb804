import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured, type SpawnFn } from './capture.js';
import { createDiskGuard, diskLimitNote } from './disk.js';
import { envFileBody } from './oci-args.js';
import type { Runner, RunRequest, RunResult, SandboxLimits } from './types.js';
import { SANDBOX_HOME, SANDBOX_WORKSPACE } from './types.js';

/** PATH inside the container. */
const APPLE_PATH = '/usr/local/bin:/usr/bin:/bin';
const MIB = 1024 * 1024;

/** What one `container run` needs. */
export interface AppleContainerSpec {
  request: RunRequest;
  image: string;
  limits: SandboxLimits;
  /** uid:gid inside (default 1000:1000). */
  user?: string;
  /** Container name (unique per run; used to kill it). */
  name: string;
  /** 0600 file holding the command's environment (see {@link appleEnv}): values never go on argv. */
  envFile: string;
}

/** The environment a command gets inside the container: the request's, with the sandbox PATH and HOME. */
export function appleEnv(r: RunRequest): Record<string, string> {
  return { ...r.env, PATH: APPLE_PATH, HOME: SANDBOX_HOME };
}

/*
 * Apple's `container` runs every container in its own lightweight VM, so memory and CPUs are VM
 * sizes (`--memory` has 1 MiB granularity, `--cpus` is a whole number), and pids are bounded with
 * `--ulimit nproc`. Network "none": the CLI has no `--network none`; we attach no DNS and rely on
 * the caller refusing trusted mode (below) — documented as weaker than bwrap/OCI. Read-only root:
 * `--read-only` where the installed CLI supports it (newer releases); the writable places are the
 * workspace and home mounts and a tmpfs /tmp.
 */
/** The argv (after the `container` binary) of one sandboxed run. Pure: unit-tested on any OS. */
export function appleContainerArgs(s: AppleContainerSpec): string[] {
  const r = s.request;
  if (r.network === 'trusted') {
    // Host Unix sockets cannot be shared into the VM; refusing beats handing out an open network.
    throw new Error('apple-container: network = "trusted" is not supported (no way to share the egress proxy socket into the VM); use bwrap or podman');
  }
  const memMiB = Math.max(16, Math.ceil(s.limits.memoryBytes / MIB));
  const cpus = Math.max(1, Math.ceil(s.limits.cpuQuota));
  const a = [
    'run', '--rm', '--name', s.name,
    '--memory', `${memMiB}M`, '--cpus', String(cpus),
    '--ulimit', `nproc=${s.limits.pidsMax}:${s.limits.pidsMax}`,
    '--ulimit', `fsize=${s.limits.fileSizeBytes}:${s.limits.fileSizeBytes}`,
    '--read-only', '--no-dns', '--tmpfs', '/tmp',
    '--user', s.user ?? '1000:1000',
    '--volume', `${r.cwd}:${SANDBOX_WORKSPACE}`,
  ];
  if (r.home) a.push('--volume', `${r.home}:${SANDBOX_HOME}`);
  else a.push('--tmpfs', SANDBOX_HOME);
  // Owner secrets travel in a 0600 file: argv is readable by every local user (`ps`), the flaw of the original's `-e`.
  a.push('--workdir', SANDBOX_WORKSPACE, '--env-file', s.envFile);
  a.push(r.image ?? s.image, '/bin/sh', '-c', r.command);
  return a;
}

/** Options of {@link createAppleContainerRunner}. */
export interface AppleRunnerOptions {
  image: string;
  limits: SandboxLimits;
  /** Default `container` (looked up in PATH). */
  containerPath?: string;
  user?: string;
  spawn?: SpawnFn;
}

/**
 * macOS backend: one `container run --rm` per command (a fresh VM each time). Timeout/abort kill
 * the CLI's process group and then `container kill` the named container, since killing the
 * client alone does not stop the VM.
 */
export function createAppleContainerRunner(o: AppleRunnerOptions): Runner {
  const bin = o.containerPath ?? 'container';
  const env = { PATH: process.env.PATH ?? APPLE_PATH, HOME: process.env.HOME ?? '/' };
  const disk = createDiskGuard({ limitBytes: o.limits.diskBytes, ...(o.spawn ? { spawn: o.spawn } : {}) });
  return {
    name: 'apple-container',
    isolated: true,
    async endSession() { /* nothing kept between runs */ },
    async close() { /* nothing held */ },
    async run(r: RunRequest): Promise<RunResult> {
      const name = `moltis-${randomBytes(8).toString('hex')}`;
      const dir = mkdtempSync(join(tmpdir(), 'moltis-apple-env-'));
      try {
        const envFile = join(dir, 'env');
        writeFileSync(envFile, envFileBody(appleEnv(r)).body, { mode: 0o600 });
        const args = appleContainerArgs({ request: r, image: o.image, limits: o.limits, user: o.user, name, envFile });
        // The workspace and home are host directories: the same disk guard as bwrap, killing the VM when over.
        const full = new AbortController();
        const watch = disk.watch(r.home ? [r.cwd, r.home] : [r.cwd], () => full.abort());
        const signal = r.signal ? AbortSignal.any([r.signal, full.signal]) : full.signal;
        const res = await runCaptured({ file: bin, args, env, timeoutMs: r.timeoutMs, maxBytes: r.maxBytes, signal, spawn: o.spawn });
        if (res.timedOut || res.aborted) {
          await runCaptured({ file: bin, args: ['kill', name], env, timeoutMs: 15_000, maxBytes: 4096, spawn: o.spawn });
        }
        if (await watch.stop()) {
          const note = diskLimitNote(o.limits.diskBytes, watch.lastBytes);
          return { ...res, aborted: r.signal?.aborted === true, limit: 'disk', stderr: res.stderr ? `${res.stderr}\n${note}` : note };
        }
        return res.exitCode === 128 + 25 ? { ...res, limit: 'file-size' } : res;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Whether `container` answers (`container system status`): the CLI exists and its service runs. */
export async function probeAppleContainer(o: { containerPath?: string; spawn?: SpawnFn } = {}): Promise<{ ok: boolean; reason: string }> {
  if (process.platform !== 'darwin') return { ok: false, reason: 'apple-container needs macOS' };
  const r = await runCaptured({ file: o.containerPath ?? 'container', args: ['system', 'status'], env: { PATH: process.env.PATH ?? APPLE_PATH }, timeoutMs: 15_000, maxBytes: 16_384, spawn: o.spawn });
  return r.exitCode === 0 ? { ok: true, reason: 'container system is running' } : { ok: false, reason: `container system status failed: ${r.stderr.trim() || `exit ${r.exitCode}`} (install Apple container and run \`container system start\`)` };
}
