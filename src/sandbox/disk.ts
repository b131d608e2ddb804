import { statSync, statfsSync } from 'node:fs';
import { runCaptured, type SpawnFn } from './capture.js';

/** Options of {@link createDiskGuard}; all but `limitBytes` exist for tests. */
export interface DiskGuardOptions {
  /** Most bytes (allocated blocks) the watched paths may hold together. */
  limitBytes: number;
  duPath?: string;
  spawn?: SpawnFn;
  /** How often the file system's usage is looked at (cheap: one statfs). Default 100 ms. */
  pollMs?: number;
  /** Growth of the file system that triggers a measurement of the paths. Default 8 MiB. */
  stepBytes?: number;
  /** Longest time between two measurements while a command runs. Default 5 s. */
  fullCheckMs?: number;
  /** Used bytes of the file system holding `path` (default statfs). */
  fsUsed?: (path: string) => number;
}

/** One command's watch over its workspace and home. */
export interface DiskWatch {
  /** Looks now, as the timer would (a measurement when due); resolves once any measurement is done. */
  poll(): Promise<void>;
  /** Stops watching (idempotent); resolves true when the paths held more than the limit (during the run or at its end). */
  stop(): Promise<boolean>;
  /** What was measured last, for the report. */
  readonly lastBytes: number | undefined;
}

/** Measures and watches the disk a session's sandbox can write (its workspace and home). */
export interface DiskGuard {
  /**
   * Starts watching `paths` while a command runs; `onExceed` is called (once) to kill it.
   * `periodic` (default always) says when the every-`fullCheckMs` look is due: a watch that
   * outlives its commands (an OCI session's container) looks on growth alone while idle.
   */
  watch(paths: string[], onExceed: () => void, periodic?: () => boolean): DiskWatch;
  /** Bytes the paths hold (du): null when they cannot be measured. */
  measure(paths: string[]): Promise<number | null>;
}

/** What a run killed (or flagged) by the disk guard adds to its stderr. */
export function diskLimitNote(limitBytes: number, lastBytes: number | undefined): string {
  return `moltis: the workspace and home hold more than the disk limit (${limitBytes} bytes${lastBytes !== undefined ? `; now ${lastBytes}` : ''}): delete files to go on`;
}

/** State kept per workspace between runs: growth not yet measured, and the last measurement. */
interface Seen { pending: number; last?: number }
const MAX_TRACKED = 10_000;
const MiB = 1024 ** 2;

const defaultFsUsed = (path: string): number => {
  const s = statfsSync(path);
  return (s.blocks - s.bfree) * s.bsize;
};

/*
 * No kernel quota covers a directory on an arbitrary file system (project quotas need XFS/ext4
 * set up for them; a loop-mounted image per session needs root and a fixed size up front), so the
 * limit is kept by watching: RLIMIT_FSIZE (limits.ts) bounds each file, and this bounds how many.
 * Measuring a tree (du) costs time proportional to its files, so it runs only when statfs — one
 * cheap call — says the file system grew by `stepBytes` since the last look, at least every
 * `fullCheckMs` while a command runs (growth hidden by deletions elsewhere is caught then), and
 * at the end of a run once the growth left unmeasured by earlier runs adds up to `stepBytes`
 * (many small runs cannot creep past the limit). A command is killed when the paths hold more
 * than the limit AND more than at the previous measurement: a workspace that is already over
 * (the limit was lowered) can still be cleaned up, never grown. Overshoot is bounded by what a
 * command writes in one poll interval plus `stepBytes`.
 */
export function createDiskGuard(o: DiskGuardOptions): DiskGuard {
  const pollMs = o.pollMs ?? 100;
  const step = o.stepBytes ?? 8 * MiB;
  const fullCheckMs = o.fullCheckMs ?? 5_000;
  const fsUsed = o.fsUsed ?? defaultFsUsed;
  const seen = new Map<string, Seen>();

  const used = (paths: string[]): number => {
    const devs = new Set<number>();
    let total = 0;
    for (const p of paths) {
      try {
        const dev = statSync(p).dev;
        if (devs.has(dev)) continue;
        devs.add(dev);
        total += fsUsed(p);
      } catch { /* gone: du will say so */ }
    }
    return total;
  };

  const measure = async (paths: string[]): Promise<number | null> => {
    // -x: one file system (a bind mount inside cannot add another disk's files); -k: POSIX units.
    const r = await runCaptured({ file: o.duPath ?? 'du', args: ['-s', '-k', '-x', '--', ...paths], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, timeoutMs: 60_000, maxBytes: 65_536, spawn: o.spawn });
    const sizes = r.stdout.split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    // du prints one line per argument it counted (an argument inside another is counted once, in
    // the outer one) and exits 1 when a file vanished mid-walk: it was gone, so not counting it is
    // right. No line at all means no answer.
    if (sizes.length === 0) return null;
    return sizes.reduce((a, n) => a + Number(n) * 1024, 0);
  };

  const stateOf = (key: string): Seen => {
    let s = seen.get(key);
    if (!s) {
      if (seen.size >= MAX_TRACKED) seen.delete(seen.keys().next().value as string);
      s = { pending: 0 };
      seen.set(key, s);
    }
    return s;
  };

  return {
    measure,
    watch(given, onExceed, periodic = () => true) {
      const paths = [...new Set(given)];
      const st = stateOf(paths.join('\0'));
      const started = Date.now();
      const startUsed = used(paths);
      let lookedAt = startUsed;
      let lastCheck = started;
      let baseline = st.last;
      let exceeded = false;
      let running: Promise<void> | undefined;

      const check = (kill: boolean): Promise<void> => {
        running ??= (async () => {
          lookedAt = used(paths);
          lastCheck = Date.now();
          const bytes = await measure(paths);
          st.pending = 0;
          // Fail closed: a workspace we cannot measure counts as over the limit.
          const over = bytes === null || (bytes > o.limitBytes && (baseline === undefined || bytes > baseline));
          if (bytes !== null) { st.last = bytes; baseline = bytes; }
          if (over && !exceeded) { exceeded = true; if (kill) onExceed(); }
        })().finally(() => { running = undefined; });
        return running;
      };

      const tick = (): Promise<void> => {
        if (exceeded) return Promise.resolve();
        if (running) return running;
        if (used(paths) - lookedAt >= step || (periodic() && Date.now() - lastCheck >= fullCheckMs)) return check(true);
        return Promise.resolve();
      };
      const timer = setInterval(() => { void tick(); }, pollMs);
      timer.unref?.();

      let stopped: Promise<boolean> | undefined;
      return {
        get lastBytes() { return st.last; },
        poll: tick,
        stop() {
          stopped ??= (async () => {
            clearInterval(timer);
            if (running) await running;
            st.pending += Math.max(0, used(paths) - startUsed);
            if (!exceeded && st.pending >= step) await check(false);
            return exceeded;
          })();
          return stopped;
        },
      };
    },
  };
}
