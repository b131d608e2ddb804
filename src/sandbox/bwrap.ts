import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notRun, runCaptured, type SpawnFn } from './capture.js';
import { createLimiter, type LimiterOptions } from './limits.js';
import type { Runner, RunRequest, RunResult, SandboxLimits } from './types.js';
import { SANDBOX_HOME, SANDBOX_PROXY_PORT, SANDBOX_PROXY_SOCKET, SANDBOX_WORKSPACE } from './types.js';

/** Options of {@link createBwrapRunner}. */
export interface BwrapOptions {
  limits: SandboxLimits;
  bwrapPath?: string;
  spawn?: SpawnFn;
  /** Passed to the limiter (tests force a mode or a fake cgroup root). */
  limiter?: Omit<LimiterOptions, 'limits'>;
}

/** PATH inside every sandbox. */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
const UID = 1000;

/*
 * The sandbox's /etc is a handful of generated files plus read-only binds of what programs need
 * to load and to verify TLS. Not the host's /etc: it holds host accounts, hostnames, service
 * configs and sometimes credentials, none of which a command needs.
 */
const ETC_BINDS = ['/etc/ld.so.cache', '/etc/alternatives', '/etc/ssl/certs', '/etc/localtime'];

function generatedEtc(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-bwrap-etc-'));
  writeFileSync(join(dir, 'passwd'), `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nsandbox:x:${UID}:${UID}:sandbox:${SANDBOX_HOME}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  writeFileSync(join(dir, 'group'), `root:x:0:\nsandbox:x:${UID}:\nnogroup:x:65534:\n`);
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n');
  writeFileSync(join(dir, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
  return dir;
}

/** Binds of the host's system directories, as the host lays them out (merged-/usr symlinks or real dirs). */
function systemArgs(etcDir: string): string[] {
  const a = ['--ro-bind', '/usr', '/usr'];
  for (const d of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    let st;
    try { st = lstatSync(d); } catch { continue; }
    if (st.isSymbolicLink()) a.push('--symlink', readlinkSync(d), d);
    else if (st.isDirectory()) a.push('--ro-bind', d, d);
  }
  for (const f of ['passwd', 'group', 'hosts', 'nsswitch.conf']) a.push('--ro-bind', join(etcDir, f), `/etc/${f}`);
  for (const p of ETC_BINDS) {
    let st;
    try { st = lstatSync(p); } catch { continue; }
    if (st.isSymbolicLink()) a.push('--symlink', readlinkSync(p), p);
    else a.push('--ro-bind', p, p);
  }
  return a;
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

/*
 * Trusted mode: the only way out is the egress proxy's Unix socket, bound in. A socat bridge
 * turns it into 127.0.0.1:3128 for programs that honour HTTP(S)_PROXY; we wait until it listens
 * (LISTEN state 0A for port 0x0C38 in /proc/net/tcp) before running the command, so the first
 * request does not race the bridge. The command is passed as $1, never spliced into the script.
 */
const BRIDGE = [
  `socat TCP-LISTEN:${SANDBOX_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${SANDBOX_PROXY_SOCKET} </dev/null >/dev/null 2>&1 &`,
  'i=0',
  `while ! grep -q ':${SANDBOX_PROXY_PORT.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A' /proc/net/tcp 2>/dev/null; do`,
  '  i=$((i+1)); if [ $i -gt 500 ]; then echo "moltis: egress proxy bridge did not start" >&2; exit 125; fi; sleep 0.01',
  'done',
  'exec /bin/sh -c "$1"',
].join('\n');

/*
 * The rest of /proc that only checks "owner is uid 0" (or leaks kernel memory/keys), covered as
 * Docker covers it for the same reason (its containers' root is host root too): files hidden
 * behind /dev/null, directories emptied or made read-only. /proc/sysrq-trigger alone would let a
 * command reboot the host.
 */
const PROC_HIDDEN_FILES = ['/proc/kcore', '/proc/keys', '/proc/key-users', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/kpagecount', '/proc/kpageflags', '/proc/kpagecgroup', '/proc/kallsyms'];
const PROC_HIDDEN_DIRS = ['/proc/acpi', '/proc/scsi'];
const PROC_READ_ONLY = ['/proc/sysrq-trigger', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/pressure', '/proc/mtrr'];

/** bwrap arguments covering the sensitive parts of /proc that exist on this kernel. */
function procMasks(): string[] {
  const a: string[] = [];
  for (const f of PROC_HIDDEN_FILES) if (existsSync(f)) a.push('--ro-bind', '/dev/null', f);
  for (const d of PROC_HIDDEN_DIRS) if (existsSync(d)) a.push('--tmpfs', d, '--remount-ro', d);
  for (const p of PROC_READ_ONLY) if (existsSync(p)) a.push('--ro-bind', p, p);
  return a;
}

/** What of this host every sandbox sees (system binds, /proc covers): read once per runner, not per run. */
interface HostLayout { system: string[]; proc: string[] }
const hostLayout = (etcDir: string): HostLayout => ({ system: systemArgs(etcDir), proc: procMasks() });

/** The bwrap argv (without the bwrap binary) for one request. Exported for tests. */
export function bwrapArgs(r: RunRequest, etcDir: string, features: { disableUserns?: boolean } = { disableUserns: true }, host: HostLayout = hostLayout(etcDir)): string[] {
  // --disable-userns (bwrap >= 0.8) stops the command from creating nested user namespaces, the
  // usual first step of kernel exploits; older bwrap lacks it and still gets everything else.
  const a = [
    '--unshare-all', '--unshare-user', ...(features.disableUserns === false ? [] : ['--disable-userns']), '--die-with-parent', '--new-session',
    '--uid', String(UID), '--gid', String(UID), '--cap-drop', 'ALL', '--hostname', 'sandbox',
    ...host.system,
    // bwrap run by root maps the sandbox uid to host uid 0, and sysctl files check only that uid:
    // without this read-only cover a command could set kernel.core_pattern and run code as host
    // root. (bwrap's own cover skips /proc/sys because the directory itself is not writable.) The
    // cover is the host's /proc/sys, read-only: its values, not a way to change them.
    '--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys', ...host.proc,
    '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/run',
    '--bind', r.cwd, SANDBOX_WORKSPACE,
  ];
  if (r.home) a.push('--bind', r.home, SANDBOX_HOME);
  else a.push('--tmpfs', SANDBOX_HOME);
  if (r.network === 'trusted') {
    if (!r.proxySocket) throw new Error('trusted network needs a proxySocket');
    a.push('--ro-bind', r.proxySocket, SANDBOX_PROXY_SOCKET);
  }
  // bwrap's root is a writable tmpfs: freeze it, so only /workspace, home and /tmp take writes.
  // The environment (owner secrets included) is inherited from spawn(), never put on the command
  // line, where any local user could read it in `ps`; only what a shell wrapper adds is dropped.
  a.push('--remount-ro', '/', '--chdir', SANDBOX_WORKSPACE);
  for (const k of ['PWD', 'OLDPWD', 'SHLVL', '_']) a.push('--unsetenv', k);
  if (r.network === 'trusted') {
    a.push('--', '/bin/sh', '-c', BRIDGE, 'moltis-bridge', r.command);
  } else {
    a.push('--', '/bin/sh', '-c', r.command);
  }
  return a;
}

/**
 * Bubblewrap backend: every run gets fresh user, pid, net, ipc, uts and cgroup namespaces, runs
 * as uid/gid 1000 with no capabilities, sees a read-only /usr, a minimal /etc, a private /tmp,
 * the session workspace at /workspace and its home at /home/sandbox — nothing else of the host
 * (no data dir, config dir, database, /root, or other sessions). Memory, pids and CPU are bounded
 * by a per-run cgroup (or rlimits); timeout/abort kill bwrap's process group and the cgroup, and
 * the pid namespace takes every remaining process with it.
 */
export function createBwrapRunner(o: BwrapOptions): Runner {
  const bwrap = o.bwrapPath ?? 'bwrap';
  const limiter = createLimiter({ ...o.limiter, limits: o.limits });
  let host: { etcDir: string; layout: HostLayout } | undefined;
  let features: Promise<{ disableUserns: boolean }> | undefined;
  return {
    name: 'bwrap',
    isolated: true,
    async endSession() { /* workspace and home belong to the caller; nothing else per session */ },
    async close() { if (host) rmSync(host.etcDir, { recursive: true, force: true }); host = undefined; },
    async run(r: RunRequest): Promise<RunResult> {
      if (!host || !existsSync(host.etcDir)) { const etcDir = generatedEtc(); host = { etcDir, layout: hostLayout(etcDir) }; }
      const { etcDir, layout } = host;
      features ??= bwrapFeatures(bwrap, o.spawn);
      const args = bwrapArgs(r, etcDir, await features, layout);
      let lim;
      try { lim = limiter.begin(r.timeoutMs); } catch (e) {
        // Fail closed: no limits, no run.
        return notRun(`sandbox: cannot set resource limits (${limiter.reason}): ${(e as Error).message}`);
      }
      try {
        const [file, ...pre] = [...lim.prefix, bwrap, ...args] as [string, ...string[]];
        const res = await runCaptured({
          file, args: pre, env: sandboxEnv(r), timeoutMs: r.timeoutMs,
          maxBytes: r.maxBytes, signal: r.signal, spawn: o.spawn, onKill: () => lim.kill(),
        });
        const limit = lim.verdict() ?? (lim.mode === 'rlimit' && res.exitCode === 128 + 24 ? 'cpu' : undefined);
        return limit ? { ...res, limit } : res;
      } finally {
        await lim.cleanup();
      }
    },
  };
}

async function bwrapFeatures(bwrap: string, spawn?: SpawnFn): Promise<{ disableUserns: boolean }> {
  const h = await runCaptured({ file: bwrap, args: ['--help'], env: { PATH: process.env.PATH ?? SANDBOX_PATH }, timeoutMs: 10_000, maxBytes: 65_536, spawn });
  return { disableUserns: `${h.stdout}${h.stderr}`.includes('--disable-userns') };
}

/** Actually runs `bwrap ... true` with every namespace: "installed" is not "works" (e.g. userns disabled). */
export async function probeBwrap(o: { bwrapPath?: string; spawn?: SpawnFn } = {}): Promise<{ ok: boolean; reason: string }> {
  const etcDir = generatedEtc();
  const ws = mkdtempSync(join(tmpdir(), 'moltis-bwrap-probe-'));
  try {
    const features = await bwrapFeatures(o.bwrapPath ?? 'bwrap', o.spawn);
    const args = bwrapArgs({ command: 'true', cwd: ws, env: {}, timeoutMs: 10_000, maxBytes: 4096 }, etcDir, features);
    const r = await runCaptured({ file: o.bwrapPath ?? 'bwrap', args, env: { PATH: process.env.PATH ?? SANDBOX_PATH }, timeoutMs: 10_000, maxBytes: 4096, spawn: o.spawn });
    if (r.exitCode === 0) return { ok: true, reason: 'bwrap runs with user, pid, net, ipc, uts and cgroup namespaces' };
    const why = r.stderr.trim().split('\n')[0] || (r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`);
    return { ok: false, reason: `bwrap failed: ${why}` };
  } finally {
    rmSync(etcDir, { recursive: true, force: true });
    rmSync(ws, { recursive: true, force: true });
  }
}
