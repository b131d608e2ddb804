import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SandboxLimits } from './types.js';

/** How limits are enforced: a cgroup (v2 unified, v1 per controller) or per-process rlimits. */
export type LimitMode = 'cgroup2' | 'cgroup1' | 'rlimit';

/** Options of {@link createLimiter}; all but `limits` exist for tests. */
export interface LimiterOptions {
  limits: SandboxLimits;
  /** Force a mode (default: probe v2, then v1, then rlimit). */
  mode?: LimitMode | 'auto';
  /** Where cgroup file systems are mounted. Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** Contents of /proc/self/cgroup (the gateway's own cgroups; per-run cgroups nest below them). */
  selfCgroup?: string;
  prlimitPath?: string;
  randomId?: () => string;
}

/** The limits of one run. */
export interface RunLimit {
  readonly mode: LimitMode;
  /** Argv to put in front of the sandbox command (it execs the rest once limited). */
  readonly prefix: string[];
  /** Kills every process left in the run's cgroup (synchronous: called from timeout handlers). */
  kill(): void;
  /** "memory" / "pids" when the cgroup shows that limit was hit, else undefined. Read before cleanup. */
  verdict(): string | undefined;
  /** Kills what is left and removes the cgroup. */
  cleanup(): Promise<void>;
}

/** Chooses a mode once, then prepares the limits of each run. */
export interface Limiter {
  mode(): LimitMode;
  /** Why this mode (e.g. "cgroup v1 under /sys/fs/cgroup/{memory,pids,cpu}"). */
  readonly reason: string;
  begin(timeoutMs: number): RunLimit;
}

const V1 = ['memory', 'pids', 'cpu'] as const;
const PERIOD_US = 100_000;

/*
 * Race-free placement: a tiny /bin/sh sets the file rlimits (ulimit: soft and hard, in POSIX
 * 512-byte blocks), writes its OWN pid ($$) into every cgroup.procs and only then execs bwrap.
 * Nothing of the user's command exists before the write, and everything it forks inherits the
 * cgroup and the rlimits. (Writing the pid from Node after spawn() would leave a window in which a
 * fast fork bomb escapes.) The shell's own `ulimit` replaces a `prlimit` process per run. A failed
 * write or ulimit exits 125 before exec: fail closed.
 * Arguments: $1 file-size blocks, then the cgroup.procs paths, `--`, the command.
 */
const WRAP = 'ulimit -f "$1" && ulimit -c 0 || { echo "moltis: cannot set file rlimits" >&2; exit 125; }; shift; '
  + 'while [ "$1" != -- ]; do echo $$ > "$1" || { echo "moltis: cannot enter cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"';

/** RLIMIT_FSIZE in the 512-byte blocks of `ulimit -f`, rounded down (never more than the limit). */
export const fsizeBlocks = (bytes: number): number => Math.max(0, Math.floor(bytes / 512));

function ownPath(selfCgroup: string, ctrl: string): string | undefined {
  for (const line of selfCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const ctrls = m[1] ?? '';
    if (ctrl === '' ? ctrls === '' : ctrls.split(',').includes(ctrl)) return m[2];
  }
  return undefined;
}

const counter = (text: string, key: string): number => {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};
const read = (p: string): string => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };

function killAll(dirs: string[]): void {
  for (const d of dirs) {
    if (existsSync(join(d, 'cgroup.kill'))) { try { writeFileSync(join(d, 'cgroup.kill'), '1'); continue; } catch { /* fall through */ } }
    for (const pid of read(join(d, 'cgroup.procs')).split('\n').map(Number).filter((n) => n > 0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

/** Per-run cgroup directories, one per v1 controller or a single v2 one. */
function cgroupRun(mode: 'cgroup1' | 'cgroup2', bases: string[], id: string, limits: SandboxLimits): RunLimit {
  const dirs = bases.map((b) => join(b, id));
  const made: string[] = [];
  try {
    for (const d of dirs) { mkdirSync(d); made.push(d); }
    const mem = String(limits.memoryBytes);
    const quota = String(Math.max(1000, Math.round(limits.cpuQuota * PERIOD_US)));
    if (mode === 'cgroup2') {
      const d = dirs[0] as string;
      writeFileSync(join(d, 'memory.max'), mem);
      if (existsSync(join(d, 'memory.swap.max'))) writeFileSync(join(d, 'memory.swap.max'), '0');
      writeFileSync(join(d, 'pids.max'), String(limits.pidsMax));
      writeFileSync(join(d, 'cpu.max'), `${quota} ${PERIOD_US}`);
    } else {
      const [m, p, c] = dirs as [string, string, string];
      writeFileSync(join(m, 'memory.limit_in_bytes'), mem);
      // memsw = memory + swap: equal to the memory limit means no swapping the limit away.
      if (existsSync(join(m, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(m, 'memory.memsw.limit_in_bytes'), mem);
      writeFileSync(join(p, 'pids.max'), String(limits.pidsMax));
      writeFileSync(join(c, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(c, 'cpu.cfs_quota_us'), quota);
    }
  } catch (e) {
    for (const d of made.reverse()) { try { rmdirSync(d); } catch { /* leave it */ } }
    throw e;
  }
  const memDir = dirs[0] as string;
  const pidsDir = (mode === 'cgroup2' ? dirs[0] : dirs[1]) as string;
  return {
    mode,
    prefix: ['/bin/sh', '-c', WRAP, 'moltis-limits', String(fsizeBlocks(limits.fileSizeBytes)), ...dirs.map((d) => join(d, 'cgroup.procs')), '--'],
    kill: () => killAll(dirs),
    verdict() {
      if (mode === 'cgroup2') {
        if (counter(read(join(memDir, 'memory.events')), 'oom_kill') > 0) return 'memory';
      } else {
        const oom = read(join(memDir, 'memory.oom_control'));
        if (/^oom_kill /m.test(oom) ? counter(oom, 'oom_kill') > 0 : Number(read(join(memDir, 'memory.failcnt'))) > 0) return 'memory';
      }
      if (counter(read(join(pidsDir, 'pids.events')), 'max') > 0) return 'pids';
      return undefined;
    },
    async cleanup() {
      // The sandbox's pid 1 is often still exiting when bwrap has been reaped (the kernel tears the
      // pid namespace down after bwrap's exit): look again soon, then less often, for up to ~2 s.
      for (let i = 0, waited = 0; waited < 2_000; i++) {
        killAll(dirs);
        let left = 0;
        for (const d of dirs) { try { rmdirSync(d); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left++; } }
        if (left === 0) return;
        const ms = Math.min(20, 2 ** i);
        waited += ms;
        await new Promise((r) => setTimeout(r, ms));
      }
    },
  };
}

function probe(bases: string[], setup: () => void): boolean {
  try {
    setup();
    const id = `probe-${randomUUID()}`;
    for (const b of bases) mkdirSync(join(b, id));
    for (const b of bases) rmdirSync(join(b, id));
    return true;
  } catch { return false; }
}

/**
 * Picks how to enforce memory, pids and CPU limits on this machine (file size and core dumps are
 * rlimits in every mode): a per-run cgroup nested
 * below the gateway's own (so a sandbox can never get more than the gateway itself has) in the
 * v2 tree when it has the memory, pids and cpu controllers and is writable, else in the v1
 * hierarchies, else rlimits via `prlimit` (RLIMIT_AS, RLIMIT_NPROC, RLIMIT_CPU). Note the rlimit
 * fallback is weaker: RLIMIT_NPROC counts per user and does not bind root, and RLIMIT_AS bounds
 * address space per process rather than memory per tree.
 */
export function createLimiter(o: LimiterOptions): Limiter {
  const root = o.cgroupRoot ?? '/sys/fs/cgroup';
  const self = o.selfCgroup ?? read('/proc/self/cgroup');
  const want = o.mode ?? 'auto';
  const randomId = o.randomId ?? randomUUID;
  let mode: LimitMode = 'rlimit';
  let bases: string[] = [];
  let reason = 'no writable cgroup with memory, pids and cpu controllers: rlimits via prlimit';

  const v2mount = existsSync(join(root, 'cgroup.controllers')) ? root : join(root, 'unified');
  const v2own = ownPath(self, '');
  if ((want === 'auto' || want === 'cgroup2') && v2own !== undefined && existsSync(join(v2mount, 'cgroup.controllers'))) {
    const own = join(v2mount, v2own);
    const ctrls = read(join(own, 'cgroup.controllers')).split(/\s+/);
    if (['memory', 'pids', 'cpu'].every((c) => ctrls.includes(c))) {
      const base = join(own, 'moltis');
      const ok = probe([base], () => {
        // Controllers must be delegated down to the per-run cgroups. Fails (EBUSY) when the
        // gateway's own cgroup holds processes and is not the root: then v2 is not usable.
        writeFileSync(join(own, 'cgroup.subtree_control'), '+memory +pids +cpu');
        mkdirSync(base, { recursive: true });
        writeFileSync(join(base, 'cgroup.subtree_control'), '+memory +pids +cpu');
      });
      if (ok) { mode = 'cgroup2'; bases = [base]; reason = `cgroup v2 under ${base}`; }
    }
  }
  if (mode === 'rlimit' && (want === 'auto' || want === 'cgroup1')) {
    const v1 = V1.map((c) => { const p = ownPath(self, c); return p === undefined ? undefined : join(root, c, p, 'moltis'); });
    if (v1.every((b): b is string => b !== undefined)) {
      const ok = probe(v1, () => { for (const b of v1) mkdirSync(b, { recursive: true }); });
      if (ok) { mode = 'cgroup1'; bases = v1; reason = `cgroup v1 under ${v1.join(', ')}`; }
    }
  }
  if (want !== 'auto' && want !== mode) throw new Error(`resource limits: ${want} is not usable on this machine (${reason})`);

  const prlimit = o.prlimitPath ?? 'prlimit';
  // Every mode: RLIMIT_FSIZE stops one runaway file, and no core files (a crash loop could fill
  // the workspace with them; a pipe core_pattern handler runs as host root). Cgroup modes set them
  // in the placement shell (WRAP), rlimit mode with prlimit.
  const files = [`--fsize=${o.limits.fileSizeBytes}`, '--core=0'];
  return {
    mode: () => mode,
    reason,
    begin(timeoutMs: number): RunLimit {
      if (mode !== 'rlimit') return cgroupRun(mode, bases, randomId(), o.limits);
      const cpuSeconds = Math.max(1, Math.ceil((timeoutMs / 1000) * o.limits.cpuQuota));
      return {
        mode,
        prefix: [prlimit, `--as=${o.limits.memoryBytes}`, `--nproc=${o.limits.pidsMax}`, `--cpu=${cpuSeconds}`, ...files, '--'],
        kill() { /* no cgroup: the pid namespace dies with bwrap */ },
        verdict() { return undefined; },
        async cleanup() { /* nothing held */ },
      };
    },
  };
}
