/**
 * The contract every place commands run implements: the host (`none`), bwrap, OCI engines
 * (podman/docker) and Apple's `container`. Exec, cron and channels only ever see `Runner`.
 */

/** One command to run. */
export interface RunRequest {
  command: string;
  /** Host path of the session workspace (already created). Sandboxes mount it at /workspace. */
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Most bytes kept per stream; the rest is dropped and `truncated` set. */
  maxBytes: number;
  signal?: AbortSignal;
  /** Sandbox identity: one workspace, home and (OCI) container per session. Default "default". */
  sessionKey?: string;
  /** Host path of the session's private home (already created). Sandboxes mount it at /home/sandbox. */
  home?: string;
  /** "none" (default): no network at all. "trusted": only the egress proxy, via `proxySocket`. */
  network?: 'none' | 'trusted';
  /** Host path of this session's egress-proxy Unix socket (trusted mode only). */
  proxySocket?: string;
  /** Per-job/per-session image override (OCI, Apple container). */
  image?: string;
}

/** What came back. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /**
   * Set when the sandbox stopped the command at a limit, when known: "memory", "pids", "cpu",
   * "file-size" (RLIMIT_FSIZE) or "disk" (the session's workspace and home outgrew `diskBytes`).
   */
  limit?: string;
}

/** Limits every backend enforces (from `[tools.exec.sandbox.resource_limits]`). */
export interface SandboxLimits {
  memoryBytes: number;
  /** CPU cores (1.0 = one core). */
  cpuQuota: number;
  pidsMax: number;
  /** Largest file a command may write (RLIMIT_FSIZE); a bigger write fails with EFBIG/SIGXFSZ. */
  fileSizeBytes: number;
  /** Most bytes the session's workspace and home may hold together; a command that grows them past it is killed. */
  diskBytes: number;
}

/** Where commands run. */
export interface Runner {
  /** "host", "bwrap", "podman", "docker", "apple-container". */
  readonly name: string;
  /** False only for the host runner: approvals are then the only barrier. */
  readonly isolated: boolean;
  run(r: RunRequest): Promise<RunResult>;
  /** Frees what a session holds (e.g. removes its container). Idempotent. */
  endSession(sessionKey: string): Promise<void>;
  /** Ends every session's resources. */
  close(): Promise<void>;
}

/** Paths inside every sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_HOME = '/home/sandbox';
/** Where the egress proxy's Unix socket appears inside a sandbox (trusted mode). */
export const SANDBOX_PROXY_SOCKET = '/run/moltis/proxy.sock';
/** Loopback port the in-sandbox bridge listens on; HTTP(S)_PROXY point here. */
export const SANDBOX_PROXY_PORT = 3128;
/**
 * The host uid/gid every sandboxed command runs as when the gateway runs as root (bwrap maps its
 * sandbox user here, OCI engines get it as `--user`): `nobody`, never host root, so files it
 * writes are not root-owned and a root-owned file bound in stays read-only to it.
 */
export const SANDBOX_HOST_UID = 65534;
export const SANDBOX_HOST_GID = 65534;
