import { spawn as nodeSpawn } from 'node:child_process';
import type { RunResult } from './types.js';

/** `child_process.spawn`, injectable for tests. */
export type SpawnFn = typeof nodeSpawn;

/** A run that never started (the sandbox could not be set up): its reason on stderr, no exit code. */
export function notRun(message: string): RunResult {
  return { exitCode: null, signal: null, stdout: '', stderr: message, truncated: false, timedOut: false, aborted: false, durationMs: 0 };
}

/** The gateway's own environment (PATH, XDG_RUNTIME_DIR for rootless engines), for engine CLIs: never a command's. */
export function gatewayEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/** One process to run with capped output, a wall-clock timeout and abort. */
export interface CaptureOptions {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  spawn?: SpawnFn;
  /** Extra killing on timeout/abort/exit (e.g. every pid of a cgroup): the process group alone may not reach everything. */
  onKill?: () => void;
  /** Open fds handed to the child as fd 3, 4, … (e.g. a user namespace for `bwrap --userns 3`). */
  extraFds?: number[];
}

/** Output of one run kept up to `maxBytes` per stream: the rest is dropped and `truncated` set. */
export interface Capture {
  out(c: Buffer): void;
  err(c: Buffer): void;
  result(): { stdout: string; stderr: string; truncated: boolean };
}

/** Collects stdout/stderr chunks with the per-stream cap every backend applies. */
export function capture(maxBytes: number): Capture {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;
  let truncated = false;
  const take = (chunks: Buffer[], used: number, c: Buffer): number => {
    const room = maxBytes - used;
    if (room <= 0) { truncated = true; return used; }
    if (c.length > room) { truncated = true; chunks.push(c.subarray(0, room)); return maxBytes; }
    chunks.push(c);
    return used + c.length;
  };
  return {
    out(c) { outBytes = take(out, outBytes, c); },
    err(c) { errBytes = take(err, errBytes, c); },
    result: () => ({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), truncated }),
  };
}

/**
 * Spawns `file` as the leader of a new process group and collects stdout/stderr, keeping at most
 * `maxBytes` per stream (the rest is read and dropped, so a chatty command cannot fill memory nor
 * block on a full pipe). Timeout and abort SIGKILL the whole group, and so does the end of the
 * run: leftovers such as `sleep 100 &` never outlive their command.
 */
export function runCaptured(o: CaptureOptions): Promise<RunResult> {
  const started = Date.now();
  const spawn = o.spawn ?? nodeSpawn;
  return new Promise((resolve) => {
    const child = spawn(o.file, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe', ...(o.extraFds ?? [])] });
    const cap = capture(o.maxBytes);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const killTree = () => {
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      try { o.onKill?.(); } catch { /* best effort: the caller cleans up after */ }
    };
    child.stdout?.on('data', cap.out);
    child.stderr?.on('data', cap.err);
    const timer = setTimeout(() => { timedOut = true; killTree(); }, o.timeoutMs);
    const onAbort = () => { aborted = true; killTree(); };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError = '';
    const done = (exitCode: number | null, sig: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      killTree();
      const r = cap.result();
      resolve({ exitCode, signal: sig, timedOut, aborted, durationMs: Date.now() - started, ...r, stderr: r.stderr + spawnError });
    };
    child.on('error', (e) => { spawnError = String(e.message); done(null, null); });
    child.on('close', (code, sig) => done(code, sig));
  });
}
