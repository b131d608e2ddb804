/**
 * Runs the real `moltis` CLI (src/cli/main.ts through tsx, no build needed) as child processes
 * with temp directories and an environment scrubbed of MOLTIS_* variables. HOME points into the
 * temp root too, so a flag the CLI ignored could never touch the real ~/.moltis.
 * Every child is tracked; call `killAll()` in `after` so none outlives the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (cwd for the children, so `--import tsx` resolves). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliDirs { root: string; home: string; configDir: string; dataDir: string }

/** Fresh temp directories (not created yet: the CLI must create config/data itself). */
export function tempDirs(): CliDirs {
  const root = mkdtempSync(join(tmpdir(), 'moltis-cli-'));
  return { root, home: join(root, 'home'), configDir: join(root, 'config'), dataDir: join(root, 'data') };
}

export const removeDirs = (d: CliDirs) => rmSync(d.root, { recursive: true, force: true });

/** process.env without any MOLTIS_* variable, with HOME inside the temp root. */
export function cleanEnv(d: CliDirs, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MOLTIS_')) env[k] = v;
  return { ...env, HOME: d.home, ...extra };
}

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** A running CLI process whose output is collected as it arrives. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` on stdout; rejects on timeout or early exit. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process exits; SIGKILLs it (and rejects) after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<CliResult>;
}

const live = new Set<ChildProcess>();

/** Starts `moltis <args>`. */
export function startCli(args: string[], env: NodeJS.ProcessEnv, input?: string): CliProcess {
  const child = spawn(process.execPath, [...MAIN, ...args], { cwd: ROOT, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin!.end(input);
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => { live.delete(child); resolve({ code, signal, stdout: out, stderr: err }); });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (!m) return false;
          cleanup(); resolve(m); return true;
        };
        const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`)); }, timeoutMs);
        const onData = () => { check(); };
        const onClose = () => { if (!check()) { cleanup(); reject(new Error(`exited before ${re}\nstdout:\n${out}\nstderr:\n${err}`)); } };
        const cleanup = () => { clearTimeout(timer); child.stdout!.off('data', onData); child.off('close', onClose); };
        child.stdout!.on('data', onData);
        child.on('close', onClose);
        if (child.exitCode !== null) onClose(); else check();
      });
    },
    exited(timeoutMs = 15_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`moltis ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
      });
      return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** Runs `moltis <args>` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000, input?: string): Promise<CliResult> {
  return startCli(args, env, input).exited(timeoutMs);
}

/** SIGKILLs every child still running (for `after`). */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

/** The API key printed by `auth create-api-key`. */
export const KEY_RE = /mk_[A-Za-z0-9_-]{43}/g;
