/**
 * Child processes for the benchmark: every server under test runs in its own process so the
 * load client (the benchmark process) never shares an event loop with it. A registry owns every
 * child it spawned and kills them all on the way out, including on errors and Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';

/** How server children are started: the built product (`dist/`) or `tsx` on the sources. */
export interface Runtime {
  kind: 'dist' | 'tsx';
  /** Node flags for every server child, the baselines included, so both pay the same loader cost. */
  nodeArgs: string[];
  /** The `moltis` CLI entry point. */
  cli: string;
  note: string;
}

/** A running child with its stdout split into lines. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves with the first stdout line matching `re`; rejects on exit or after `timeoutMs`. */
  waitLine(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

/** The first source newer than the bundle (dist/cli/main.js), or null when the bundle is current. */
function newestStale(root: string): string | null {
  const bundle = join(root, 'dist', 'cli', 'main.js');
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : -1;
  const walk = (dir: string): string | null => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) { const s = walk(p); if (s) return s; continue; }
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      if (statSync(p).mtimeMs > built) return p;
    }
    return null;
  };
  return walk(join(root, 'src'));
}

/**
 * Picks the runtime. The built CLI is the real product path; when `dist/` is missing or older
 * than `src/`, the gateway is rebundled (scripts/build-server.mjs, what `npm run build` does). If the
 * build fails, or `forceTsx` is set, children run under `tsx` and the table says so.
 */
export function resolveRuntime(root: string, o: { forceTsx: boolean; build: boolean }): Runtime {
  const tsx: Runtime = { kind: 'tsx', nodeArgs: ['--import', 'tsx'], cli: join(root, 'src/cli/main.ts'), note: 'tsx on src/ (baselines also load tsx)' };
  if (o.forceTsx) return tsx;
  const dist: Runtime = { kind: 'dist', nodeArgs: [], cli: join(root, 'dist/cli/main.js'), note: 'built dist/ (plain node)' };
  const stale = newestStale(root);
  if (!stale) return dist;
  if (!o.build) return { ...tsx, note: `${tsx.note}; dist/ is stale (${relative(root, stale)})` };
  const r = spawnSync(process.execPath, [join(root, 'scripts/build-server.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0 && !newestStale(root)) return { ...dist, note: 'built dist/ (rebuilt now, plain node)' };
  return { ...tsx, note: `${tsx.note}; npm run build failed: ${(r.stdout + r.stderr).split('\n')[0] ?? ''}` };
}

/** A free loopback TCP port (bound, read, released: the usual small race is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Resident set size of `pid` in MB, from /proc (Linux) or `ps` elsewhere; null if unknown. */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux: fall through to ps */ }
  if (field === 'VmHWM') return null;
  const r = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(r.stdout.trim());
  return r.status === 0 && kb > 0 ? kb / 1024 : null;
}

/** Owns spawned children; `killAll` is synchronous so it also works from an `exit` handler. */
export function createChildren(o: { cwd: string; env: NodeJS.ProcessEnv }) {
  const live = new Set<ChildProcess>();

  function start(args: string[], extraEnv: Record<string, string> = {}): Child {
    const proc = spawn(process.execPath, args, { cwd: o.cwd, env: { ...o.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (proc.pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
    live.add(proc);
    const lines: string[] = [];
    const stderr: string[] = [];
    const listeners = new Set<(l: string) => void>();
    let rest = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) { lines.push(l); for (const f of [...listeners]) f(l); }
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 50) stderr.push(d); });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => { live.delete(proc); resolve(code); }));
    const waitLine = (re: RegExp, timeoutMs: number) => new Promise<RegExpExecArray>((resolve, reject) => {
      const seen = lines.map((l) => re.exec(l)).find((m) => m);
      if (seen) return resolve(seen);
      const done = () => { clearTimeout(t); listeners.delete(onLine); };
      const t = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${re} from ${args.join(' ')}`)); }, timeoutMs);
      const onLine = (l: string) => { const m = re.exec(l); if (m) { done(); resolve(m); } };
      listeners.add(onLine);
      void exited.then((code) => { done(); reject(new Error(`child exited (${code}) before ${re}: ${args.join(' ')}\n${lines.join('\n')}\n${stderr.join('')}`)); });
    });
    return { proc, pid: proc.pid, lines, exited, waitLine };
  }

  /** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
  async function stop(c: Child, graceMs = 3000): Promise<void> {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
    c.proc.kill('SIGTERM');
    const t = setTimeout(() => c.proc.kill('SIGKILL'), graceMs);
    await c.exited;
    clearTimeout(t);
  }

  function killAll(): void {
    for (const p of live) p.kill('SIGKILL');
    live.clear();
  }

  return { start, stop, killAll };
}
export type Children = ReturnType<typeof createChildren>;
