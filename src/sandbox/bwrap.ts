import { chownSync, existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_PATH, SANDBOX_UID, bwrapArgs, generatedEtc, hostLayout, type BwrapMode, type HostLayout } from './bwrap-args.js';
import { notRun, runCaptured, type SpawnFn } from './capture.js';
import { createDiskGuard, diskLimitNote, type DiskGuardOptions } from './disk.js';
import { createLimiter, type LimiterOptions } from './limits.js';
import { createSandboxUserns, type SandboxUserns } from './userns.js';
import type { Runner, RunRequest, RunResult, SandboxLimits } from './types.js';
import { SANDBOX_HOME, SANDBOX_HOST_GID, SANDBOX_HOST_UID, SANDBOX_PROXY_PORT } from './types.js';

export { SANDBOX_PATH, bwrapArgs } from './bwrap-args.js';

/** Options of {@link createBwrapRunner}. */
export interface BwrapOptions {
  limits: SandboxLimits;
  bwrapPath?: string;
  spawn?: SpawnFn;
  /** Passed to the limiter (tests force a mode or a fake cgroup root). */
  limiter?: Omit<LimiterOptions, 'limits'>;
  /** Passed to the disk guard (tests shorten its intervals). */
  disk?: Omit<DiskGuardOptions, 'limitBytes'>;
  /** Whether the gateway runs as root (default: its uid is 0). Root maps the sandbox user to nobody. */
  asRoot?: boolean;
}

/** Env the sandbox gets: the request's, with the sandbox's own PATH/HOME and (trusted) proxy. */
function sandboxEnv(r: RunRequest): Record<string, string> {
  const env: Record<string, string> = { ...r.env, PATH: SANDBOX_PATH, HOME: SANDBOX_HOME, USER: 'sandbox' };
  for (const k of ['NO_PROXY', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']) delete env[k];
  if (r.network === 'trusted') {
    const url = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
    Object.assign(env, { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url });
  }
  return env;
}

/**
 * Hands the session's workspace and home to the sandbox's host uid (root mode): it must write
 * them, and nothing else of the host. Only the directories themselves: a root-owned file placed
 * inside stays root's. Fail closed on anything but a real directory (a symlink would hand over,
 * and bind, its target).
 */
function handOver(paths: string[]): void {
  for (const p of paths) {
    const st = lstatSync(p);
    if (!st.isDirectory()) throw new Error(`${p} is not a directory`);
    if (st.uid !== SANDBOX_HOST_UID || st.gid !== SANDBOX_HOST_GID) chownSync(p, SANDBOX_HOST_UID, SANDBOX_HOST_GID);
  }
}

/**
 * Bubblewrap backend: every run gets fresh pid, net, ipc, uts, cgroup and mount namespaces, runs
 * as the sandbox user (uid 1000 inside) with no capabilities, sees a read-only /usr, a minimal
 * /etc, a private /tmp, the session workspace at /workspace and its home at /home/sandbox —
 * nothing else of the host (no data dir, config dir, database, /root, or other sessions). On the
 * host the sandbox user is the gateway's own uid, or `nobody` when the gateway runs as root (see
 * userns.ts): never host root. Memory, pids and CPU are bounded by a per-run cgroup (or rlimits),
 * file size by RLIMIT_FSIZE and the workspace + home by the disk guard; timeout/abort kill
 * bwrap's process group and the cgroup, and the pid namespace takes every remaining process with it.
 */
export function createBwrapRunner(o: BwrapOptions): Runner {
  const bwrap = o.bwrapPath ?? 'bwrap';
  const asRoot = o.asRoot ?? process.getuid?.() === 0;
  const limiter = createLimiter({ ...o.limiter, limits: o.limits });
  const disk = createDiskGuard({ ...o.disk, limitBytes: o.limits.diskBytes, ...(o.spawn ? { spawn: o.spawn } : {}) });
  let host: { etcDir: string; layout: HostLayout } | undefined;
  let features: Promise<{ disableUserns: boolean }> | undefined;
  let userns: Promise<SandboxUserns> | undefined;
  let closed = false;
  return {
    name: 'bwrap',
    isolated: true,
    async endSession() { /* workspace and home belong to the caller; nothing else per session */ },
    async close() {
      closed = true;
      if (host) rmSync(host.etcDir, { recursive: true, force: true });
      host = undefined;
      const ns = userns;
      userns = undefined;
      if (ns) (await ns.catch(() => undefined))?.close();
    },
    async run(r: RunRequest): Promise<RunResult> {
      if (closed) throw new Error('bwrap runner closed');
      if (!host || !existsSync(host.etcDir)) { const etcDir = generatedEtc(); host = { etcDir, layout: hostLayout(etcDir) }; }
      const { etcDir, layout } = host;
      features ??= bwrapFeatures(bwrap, o.spawn);
      const mode: BwrapMode = { ...await features };
      const extraFds: number[] = [];
      const paths = r.home ? [r.cwd, r.home] : [r.cwd];
      if (asRoot) {
        // Fail closed: without its own namespace a root gateway's sandbox user would be host root.
        userns ??= createSandboxUserns({ insideId: SANDBOX_UID, hostUid: SANDBOX_HOST_UID, hostGid: SANDBOX_HOST_GID, ...(o.spawn ? { spawn: o.spawn } : {}) });
        let ns: SandboxUserns;
        try { ns = await userns; } catch (e) { userns = undefined; return notRun(`sandbox: cannot create the sandbox user namespace: ${(e as Error).message}`); }
        try { handOver(paths); } catch (e) { return notRun(`sandbox: cannot hand the workspace to the sandbox user: ${(e as Error).message}`); }
        extraFds.push(ns.fd);
        mode.usernsFd = 3;
      }
      const args = bwrapArgs(r, etcDir, mode, layout);
      let lim;
      try { lim = limiter.begin(r.timeoutMs); } catch (e) {
        // Fail closed: no limits, no run.
        return notRun(`sandbox: cannot set resource limits (${limiter.reason}): ${(e as Error).message}`);
      }
      const full = new AbortController();
      const signal = r.signal ? AbortSignal.any([r.signal, full.signal]) : full.signal;
      const watch = disk.watch(paths, () => full.abort());
      try {
        const [file, ...pre] = [...lim.prefix, bwrap, ...args] as [string, ...string[]];
        const res = await runCaptured({
          file, args: pre, env: sandboxEnv(r), timeoutMs: r.timeoutMs, extraFds,
          maxBytes: r.maxBytes, signal, spawn: o.spawn, onKill: () => lim.kill(),
        });
        const overDisk = await watch.stop();
        const limit = overDisk ? 'disk' : lim.verdict() ?? rlimitVerdict(lim.mode, res.exitCode);
        if (overDisk) {
          const note = diskLimitNote(o.limits.diskBytes, watch.lastBytes);
          return { ...res, aborted: r.signal?.aborted === true, limit, stderr: res.stderr ? `${res.stderr}\n${note}` : note };
        }
        return limit ? { ...res, limit } : res;
      } finally {
        await watch.stop();
        await lim.cleanup();
      }
    },
  };
}

/** Limits known from the exit code alone: SIGXFSZ (file size, every mode), SIGXCPU (rlimit mode's CPU). */
function rlimitVerdict(mode: string, exitCode: number | null): string | undefined {
  if (exitCode === 128 + 25) return 'file-size';
  if (mode === 'rlimit' && exitCode === 128 + 24) return 'cpu';
  return undefined;
}

async function bwrapFeatures(bwrap: string, spawn?: SpawnFn): Promise<{ disableUserns: boolean }> {
  const h = await runCaptured({ file: bwrap, args: ['--help'], env: { PATH: process.env.PATH ?? SANDBOX_PATH }, timeoutMs: 10_000, maxBytes: 65_536, spawn });
  return { disableUserns: `${h.stdout}${h.stderr}`.includes('--disable-userns') };
}

/**
 * Actually runs `bwrap ... true` with every namespace, as a run would (root: in the sandbox user
 * namespace, as the sandbox user): "installed" is not "works" (e.g. userns disabled, no setpriv).
 */
export async function probeBwrap(o: { bwrapPath?: string; spawn?: SpawnFn; asRoot?: boolean } = {}): Promise<{ ok: boolean; reason: string }> {
  const asRoot = o.asRoot ?? process.getuid?.() === 0;
  const etcDir = generatedEtc();
  const ws = mkdtempSync(join(tmpdir(), 'moltis-bwrap-probe-'));
  let ns: SandboxUserns | undefined;
  try {
    const mode: BwrapMode = await bwrapFeatures(o.bwrapPath ?? 'bwrap', o.spawn);
    if (asRoot) {
      try { ns = await createSandboxUserns({ insideId: SANDBOX_UID, hostUid: SANDBOX_HOST_UID, hostGid: SANDBOX_HOST_GID, ...(o.spawn ? { spawn: o.spawn } : {}) }); } catch (e) {
        return { ok: false, reason: `cannot create the sandbox user namespace: ${(e as Error).message}` };
      }
      handOver([ws]);
      mode.usernsFd = 3;
    }
    const args = bwrapArgs({ command: 'true', cwd: ws, env: {}, timeoutMs: 10_000, maxBytes: 4096 }, etcDir, mode);
    const r = await runCaptured({ file: o.bwrapPath ?? 'bwrap', args, env: { PATH: process.env.PATH ?? SANDBOX_PATH }, timeoutMs: 10_000, maxBytes: 4096, spawn: o.spawn, extraFds: ns ? [ns.fd] : [] });
    if (r.exitCode === 0) return { ok: true, reason: `bwrap runs with user, pid, net, ipc, uts and cgroup namespaces${asRoot ? ' (sandbox user = host nobody)' : ''}` };
    const why = r.stderr.trim().split('\n')[0] || (r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`);
    return { ok: false, reason: `bwrap failed: ${why}` };
  } finally {
    ns?.close();
    rmSync(etcDir, { recursive: true, force: true });
    rmSync(ws, { recursive: true, force: true });
  }
}
