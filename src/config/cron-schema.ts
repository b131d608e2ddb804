/**
 * `[cron]`, `[cron.job.sandbox]` and `[heartbeat]`: scheduled jobs (src/cron). Kept apart from
 * schema.ts so the scheduler's keys merge cleanly; schema.ts mounts them.
 */
import { z } from 'zod';
import { checked, imageRefProblem } from './checks.js';

export { imageRefProblem };

// The brief's defaults: 10 creations a minute, sandboxed jobs, a heartbeat every 30 minutes.
export const CRON_DEFAULTS = {
  cron: {
    enabled: true,
    rate_limit_max: 10,
    rate_limit_window_secs: 60,
    // A prompt-injected agent must not schedule a turn every second (the original had no floor).
    min_interval_secs: 60,
    max_jobs: 100,
    run_timeout_secs: 7200, // a run still going after 2 h is aborted and marked failed
    max_runs_per_job: 50,
    job: {
      sandbox: {
        enabled: true,
        image: undefined as string | undefined,
      },
    },
  },
  heartbeat: {
    enabled: true,
    every: '30m',
  },
};

const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds in a duration like "30m", "90s", "2h", "1d" (NaN when it is not one). */
export function parseDuration(value: string): number {
  const m = DURATION.exec(value.trim());
  if (!m || m[1] === undefined) return Number.NaN;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A heartbeat interval: at least one second, at most a week. */
export function durationProblem(value: string): string | null {
  const ms = parseDuration(value);
  if (Number.isNaN(ms)) return 'expected a duration like "30m", "90s", "2h" or "1d"';
  if (ms < 1000 || ms > 7 * 86_400_000) return 'must be between 1s and 7d';
  return null;
}

const D = CRON_DEFAULTS;
const int = (min: number, def: number, max: number) => z.int().min(min).max(max).prefault(def);
const unset = (v: string | undefined) => (v === '' ? undefined : v);

export const cronSchema = z.strictObject({
  enabled: z.boolean().prefault(D.cron.enabled),
  rate_limit_max: int(1, D.cron.rate_limit_max, 10_000),
  rate_limit_window_secs: int(1, D.cron.rate_limit_window_secs, 86_400),
  min_interval_secs: int(1, D.cron.min_interval_secs, 86_400),
  max_jobs: int(1, D.cron.max_jobs, 100_000),
  run_timeout_secs: int(1, D.cron.run_timeout_secs, 7 * 86_400),
  max_runs_per_job: int(1, D.cron.max_runs_per_job, 10_000),
  job: z.strictObject({
    sandbox: z.strictObject({
      enabled: z.boolean().prefault(D.cron.job.sandbox.enabled),
      // Empty and absent both mean "the [tools.exec.sandbox] image".
      image: z.union([z.literal(''), checked(imageRefProblem)]).optional(),
    }).transform((s) => ({ ...s, image: unset(s.image) })).prefault({}),
  }).prefault({}),
});

export const heartbeatSchema = z.strictObject({
  enabled: z.boolean().prefault(D.heartbeat.enabled),
  every: checked(durationProblem).prefault(D.heartbeat.every),
});

/** One line per key for the example moltis.toml (see example.ts). */
export const CRON_DESCRIPTIONS = {
  cron: {
    $: 'Scheduled jobs (agent turns on a timer). Jobs run in their own session cron:<id> with at most their creator\'s scopes.',
    enabled: 'Run the scheduler; off = jobs are kept but nothing fires.',
    rate_limit_max: 'Most job creations per window, from every creator (RPC, tool) together; system jobs are exempt.',
    rate_limit_window_secs: 'Length of the creation window in seconds (sliding).',
    min_interval_secs: 'Shortest interval between two firings of a job ("every" and cron expressions).',
    max_jobs: 'Most jobs at once (system jobs not counted).',
    run_timeout_secs: 'A run still going after this many seconds is aborted and marked failed.',
    max_runs_per_job: 'Run history kept per job (older runs are dropped).',
    job: {
      $: 'Defaults for new jobs.',
      sandbox: {
        $: 'Where a job\'s commands run; a job\'s own "sandbox" overrides this. Turning it off for a job needs operator.admin.',
        enabled: 'Run job commands in the sandbox (default); when no sandbox works, every command of a job needs approval.',
        image: 'OCI image for job sandboxes (default: the [tools.exec.sandbox] image).',
      },
    },
  },
  heartbeat: {
    $: 'The heartbeat: a system job (__heartbeat__) that sends HEARTBEAT.md from the data dir to the agent; no model call while that file is missing or empty.',
    enabled: 'Run the heartbeat.',
    every: 'Interval, e.g. "30m", "1h" or "90s".',
  },
} as const;
