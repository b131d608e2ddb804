import { existsSync, lstatSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRequest } from './types.js';
import { SANDBOX_HOME, SANDBOX_PROXY_PORT, SANDBOX_PROXY_SOCKET, SANDBOX_WORKSPACE } from './types.js';

/** PATH inside every sandbox. */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
/** The sandbox user's uid/gid as seen inside (`sandbox` in the generated passwd). */
export const SANDBOX_UID = 1000;

/*
 * The sandbox's /etc is a handful of generated files plus read-only binds of what programs need
 * to load and to verify TLS. Not the host's /etc: it holds host accounts, hostnames, service
 * configs and sometimes credentials, none of which a command needs.
 */
const ETC_BINDS = ['/etc/ld.so.cache', '/etc/alternatives', '/etc/ssl/certs', '/etc/localtime'];

/** Writes the generated /etc files into a new temporary directory and returns it. */
export function generatedEtc(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-bwrap-etc-'));
  writeFileSync(join(dir, 'passwd'), `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nsandbox:x:${SANDBOX_UID}:${SANDBOX_UID}:sandbox:${SANDBOX_HOME}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  writeFileSync(join(dir, 'group'), `root:x:0:\nsandbox:x:${SANDBOX_UID}:\nnogroup:x:65534:\n`);
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n');
  writeFileSync(join(dir, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
  return dir;
}

/*
 * bwrap started by root creates the missing parents of a mount point 0700 (root-owned), which the
 * sandbox user could not enter when it is not host root: every parent is made 0755 explicitly,
 * outermost first, before anything is mounted below it.
 */
function parentDirs(dests: string[]): string[] {
  const made = new Set<string>();
  const a: string[] = [];
  for (const dest of dests) {
    const parts = dest.split('/').filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!made.has(dir)) { made.add(dir); a.push('--perms', '0755', '--dir', dir); }
    }
  }
  return a;
}

/** Binds of the host's system directories, as the host lays them out (merged-/usr symlinks or real dirs). */
function systemArgs(etcDir: string): string[] {
  const a = ['--ro-bind', '/usr', '/usr', ...parentDirs(['/etc/passwd', ...ETC_BINDS])];
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

/*
 * Trusted mode: the only way out is the egress proxy's Unix socket, bound in. A socat bridge
 * turns it into 127.0.0.1:3128 for programs that honour HTTP(S)_PROXY; we wait until it listens
 * (LISTEN state 0A for port 0x0C38 in /proc/net/tcp) before running the command, so the first
 * request does not race the bridge. The command is passed as $1, never spliced into the script.
 */
const bridgeStart = (socat: string) => [
  `${socat} TCP-LISTEN:${SANDBOX_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${SANDBOX_PROXY_SOCKET} </dev/null >/dev/null 2>&1 &`,
  'i=0',
  `while ! grep -q ':${SANDBOX_PROXY_PORT.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A' /proc/net/tcp 2>/dev/null; do`,
  '  i=$((i+1)); if [ $i -gt 500 ]; then echo "moltis: egress proxy bridge did not start" >&2; exit 125; fi; sleep 0.01',
  'done',
];

/*
 * Root mode (see userns.ts): bwrap ran as the namespace's root, so the command is exec'd through
 * setpriv as the sandbox user — real, effective and saved ids, no supplementary groups, empty
 * capability and bounding sets — and only then enters /workspace (owned by that user, 0700: the
 * namespace's root, holding no capabilities by now, could not enter it). OLDPWD set by `cd` is
 * dropped so the command's environment is exactly the request's. bwrap execs setpriv directly and
 * the command runs in the very shell that entered /workspace: ENTER is complete statements ending
 * in a newline, so nothing the command holds can change how it parses, and no shell sits between
 * setpriv and the command (each one cost an exec per run). The bridge, when there is one, stays
 * the namespace's root without capabilities (it alone may connect to the 0600 proxy socket; the
 * command's uid cannot signal or trace it), as the OCI backend's bridge does.
 */
const SETPRIV = ['setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--'];
const ENTER = `cd ${SANDBOX_WORKSPACE} || exit 125; unset OLDPWD\n`;

/*
 * The rest of /proc that only checks "owner is uid 0" (or leaks kernel memory/keys), covered as
 * Docker covers it: files hidden behind /dev/null, directories emptied or made read-only.
 * /proc/sysrq-trigger alone would let a root-mapped command reboot the host. The sandbox user is
 * no longer host root (see userns.ts), but the namespace's root is, and defence in depth is cheap.
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
export interface HostLayout { system: string[]; proc: string[] }
export const hostLayout = (etcDir: string): HostLayout => ({ system: systemArgs(etcDir), proc: procMasks() });

/** How bwrap is run: its features, and (gateway running as root) the user namespace it joins. */
export interface BwrapMode {
  /** bwrap >= 0.8 has --disable-userns (user mode only). */
  disableUserns?: boolean;
  /** Root mode: the child fd of the sandbox user namespace (userns.ts), passed as `--userns FD`. */
  usernsFd?: number;
}

/** The bwrap argv (without the bwrap binary) for one request. Exported for tests. */
export function bwrapArgs(r: RunRequest, etcDir: string, mode: BwrapMode = { disableUserns: true }, host: HostLayout = hostLayout(etcDir)): string[] {
  const rootMode = mode.usernsFd !== undefined;
  const a = rootMode
    ? [
      // Our namespace instead of --unshare-user (see userns.ts); every other namespace is new. No
      // --uid: bwrap would switch before its setup and lose the rights to do it. The capabilities
      // kept are the ones setpriv needs to become the sandbox user; it drops them all.
      '--userns', String(mode.usernsFd), '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try',
      '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP',
    ]
    : [
      // --disable-userns (bwrap >= 0.8) stops the command from creating nested user namespaces, the
      // usual first step of kernel exploits; older bwrap lacks it and still gets everything else.
      '--unshare-all', '--unshare-user', ...(mode.disableUserns === false ? [] : ['--disable-userns']), '--die-with-parent', '--new-session',
      '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID), '--cap-drop', 'ALL',
    ];
  a.push(
    '--hostname', 'sandbox',
    ...host.system,
    // sysctl files check only "owner is uid 0": a root-mapped process could set kernel.core_pattern
    // and run code as host root. The cover is the host's /proc/sys, read-only (bwrap's own cover
    // skips /proc/sys because the directory itself is not writable).
    '--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys', ...host.proc,
    // /tmp is the sandbox user's too (sticky, like any /tmp); its pages count against the memory limit.
    '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp', '--tmpfs', '/run',
    // bwrap mounts every bind nosuid and (unless --dev-bind) nodev: a setuid file written to the
    // workspace or home never runs with its owner's rights, and no device node there opens a disk.
    '--bind', r.cwd, SANDBOX_WORKSPACE,
    ...parentDirs([SANDBOX_HOME]),
  );
  if (r.home) a.push('--bind', r.home, SANDBOX_HOME);
  else a.push('--tmpfs', SANDBOX_HOME);
  if (r.network === 'trusted') {
    if (!r.proxySocket) throw new Error('trusted network needs a proxySocket');
    a.push(...parentDirs([SANDBOX_PROXY_SOCKET]), '--ro-bind', r.proxySocket, SANDBOX_PROXY_SOCKET);
  }
  // bwrap's root is a writable tmpfs: freeze it, so only /workspace, home and /tmp take writes.
  // The environment (owner secrets included) is inherited from spawn(), never put on the command
  // line, where any local user could read it in `ps`; only what a shell wrapper adds is dropped.
  a.push('--remount-ro', '/', '--chdir', rootMode ? '/' : SANDBOX_WORKSPACE);
  for (const k of ['PWD', 'OLDPWD', 'SHLVL', '_']) a.push('--unsetenv', k);
  if (rootMode && r.network === 'trusted') {
    const script = [...bridgeStart('setpriv --bounding-set=-all -- socat'), `exec ${SETPRIV.join(' ')} /bin/sh -c "$1"`];
    a.push('--', '/bin/sh', '-c', script.join('\n'), 'moltis-sandbox', ENTER + r.command);
  } else if (rootMode) {
    a.push('--', ...SETPRIV, '/bin/sh', '-c', ENTER + r.command);
  } else if (r.network === 'trusted') {
    a.push('--', '/bin/sh', '-c', [...bridgeStart('socat'), 'exec /bin/sh -c "$1"'].join('\n'), 'moltis-bridge', r.command);
  } else {
    a.push('--', '/bin/sh', '-c', r.command);
  }
  return a;
}
