import { sha256Hex } from '../crypto/index.js';
import type { SandboxLimits } from './types.js';
import { SANDBOX_HOME, SANDBOX_HOST_GID, SANDBOX_HOST_UID, SANDBOX_PROXY_PORT, SANDBOX_PROXY_SOCKET, SANDBOX_WORKSPACE } from './types.js';

/** Label on every container this backend creates: the crash-leftover sweep removes exactly these. */
const OCI_LABEL = 'moltis.sandbox=1';
/** The uid:gid commands run as inside the container: an escape lands as `nobody`, not root (rootful podman: host nobody too). */
export const OCI_DEFAULT_USER = `${SANDBOX_HOST_UID}:${SANDBOX_HOST_GID}`;

/** Short stable id of a session: container names and labels never carry the raw session key. */
export function sessionHash(sessionKey: string): string {
  return sha256Hex(sessionKey).slice(0, 16);
}

/**
 * Short id of one gateway (its data dir): two gateways sharing an engine never sweep, reuse or
 * rename each other's containers.
 */
export function instanceTag(instance: string): string {
  return sha256Hex(instance).slice(0, 8);
}

/** `moltis-sbx-<instance>-<session>`: one container per session of one gateway. */
export function containerName(sessionKey: string, instance = 'default'): string {
  return `moltis-sbx-${instanceTag(instance)}-${sessionHash(sessionKey)}`;
}

/** What a session's container is made of; a change in any field means a new container. */
export interface OciContainerSpec {
  name: string;
  sessionHash: string;
  /** {@link instanceTag} of the gateway that owns the container. */
  instance: string;
  image: string;
  limits: SandboxLimits;
  /** Host path mounted at /workspace. */
  cwd: string;
  /** Host path mounted at /home/sandbox; a private tmpfs when absent. */
  home?: string;
  /** Host path of the egress-proxy socket (trusted mode): mounted at /run/moltis/proxy.sock. */
  proxySocket?: string;
  /** `--init` (a reaper as pid 1), when the engine has one. */
  init?: boolean;
  /** Default podman. Docker's `-v` takes no mount flags (nosuid, nodev). */
  engine?: 'podman' | 'docker';
  /** The image's tools are the host's /usr (image label `moltis.host-usr=1`): mounted read-only. */
  hostUsr?: boolean;
}

/** The bridge that is the main process of a trusted session's container (runs as the container's root, which the command's uid cannot signal). */
function proxyBridgeCommand(): string[] {
  return ['socat', `TCP-LISTEN:${SANDBOX_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${SANDBOX_PROXY_SOCKET}`];
}

/**
 * The `run -d` argv (after the engine's global args) that creates a session container. Pure.
 * Every flag answers a threat: no network (exfiltration, host loopback services), no capabilities
 * and no setuid gains, a read-only root (persistence, tampering), memory/cpu/pids/file-size caps
 * (host starvation, fork bombs, a full disk), and only the session's own workspace and home mounted — never the
 * gateway data dir (moltis.db, keys) nor other sessions' workspaces.
 */
export function ociRunArgs(s: OciContainerSpec): string[] {
  const mem = String(Math.max(6 * 1024 * 1024, Math.floor(s.limits.memoryBytes)));
  const fsize = Math.max(1, Math.floor(s.limits.fileSizeBytes));
  // nosuid,nodev: a setuid file or device node written to the workspace never takes effect. Docker
  // refuses these flags on -v; there --user (not root) and no-new-privileges carry the same promise.
  const bindOpts = s.engine === 'docker' ? 'rw' : 'rw,nosuid,nodev';
  const args = [
    'run', '-d', '--pull', 'never', '--name', s.name,
    '--label', OCI_LABEL, '--label', `moltis.instance=${s.instance}`, '--label', `moltis.session=${s.sessionHash}`,
    '--network', 'none',
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
    '--read-only',
    '--tmpfs', '/tmp:rw,nosuid,nodev,mode=1777,size=64m',
    '--memory', mem, '--memory-swap', mem,
    '--cpus', String(s.limits.cpuQuota),
    '--pids-limit', String(Math.max(1, Math.floor(s.limits.pidsMax))),
    '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
    // One runaway file stops at the size limit (the disk guard bounds the rest); no core files.
    '--ulimit', `fsize=${fsize}:${fsize}`, '--ulimit', 'core=0:0',
    '-v', `${s.cwd}:${SANDBOX_WORKSPACE}:${bindOpts}`,
  ];
  if (s.home) args.push('-v', `${s.home}:${SANDBOX_HOME}:${bindOpts}`);
  else args.push('--tmpfs', `${SANDBOX_HOME}:rw,nosuid,nodev,mode=1777,size=16m`);
  // A Unix socket crosses --network none: the proxy (which applies the domain policy) is the only way out.
  if (s.proxySocket) args.push('-v', `${s.proxySocket}:${SANDBOX_PROXY_SOCKET}:rw`);
  // The offline image borrows the host's programs: read-only (no tampering with the host), nosuid (no host setuid binary gains anything).
  if (s.hostUsr) args.push('-v', `/usr:/usr:${s.engine === 'docker' ? 'ro' : 'ro,nosuid,nodev'}`);
  if (s.init !== false) args.push('--init');
  args.push(s.image);
  // The main process runs as the image's root (capabilities dropped); commands run as another uid, so
  // `kill -9 -1` from a command (or from our timeout killer) cannot take the container down.
  if (s.proxySocket) args.push(...proxyBridgeCommand());
  else args.push('sleep', 'infinity');
  return args;
}

/**
 * The shell run by each `exec`. The command gets its own session (setsid) so the wrapper can kill
 * its whole group when it ends — leftovers like `sleep 100 &` die with their command, as on the
 * host. The group id is written to /tmp for the timeout killer. In trusted mode the wrapper first
 * waits (bounded) until the bridge listens on 127.0.0.1:3128 (0C38 in /proc/net/tcp, state 0A).
 * Arguments: $1 the command, $2 the run id.
 */
export function execWrapper(trusted: boolean): string {
  const wait = trusted
    ? `i=0; while [ $i -lt 200 ] && ! grep -q ':0C38 00000000:0000 0A' /proc/net/tcp 2>/dev/null; do usleep 10000; i=$((i+1)); done; `
    : '';
  return `${wait}setsid /bin/sh -c "$1" & p=$!; echo $p > /tmp/.moltis-run-$2; wait $p; r=$?; kill -9 -$p 2>/dev/null; rm -f /tmp/.moltis-run-$2; exit $r`;
}

/** The killer for one run: its group only (other runs of the session are in flight). */
export function groupKillScript(runId: string): string {
  return `p=$(cat /tmp/.moltis-run-${runId} 2>/dev/null) && [ -n "$p" ] && kill -9 -$p`;
}

/** Reads `oom_kill N` from cgroup v1 memory.oom_control or v2 memory.events; null when unknown. */
export function parseOomKills(text: string): number | null {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m?.[1] ? Number(m[1]) : null;
}

/** `KEY=VALUE` entries of an env; entries a line format cannot carry (bad name, newline, NUL) are dropped and named. */
export function envEntries(env: Record<string, string>): { entries: string[]; dropped: string[] } {
  const entries: string[] = [];
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\n\r\0]/.test(v)) { dropped.push(k); continue; }
    entries.push(`${k}=${v}`);
  }
  return { entries, dropped };
}

/** An env-file body (KEY=VALUE lines). Entries a line format cannot carry are dropped and named. */
export function envFileBody(env: Record<string, string>): { body: string; dropped: string[] } {
  const { entries, dropped } = envEntries(env);
  return { body: entries.join('\n') + '\n', dropped };
}
