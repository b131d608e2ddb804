/** Jobs and runs between their SQLite rows and the JSON clients see. */
import type { CronJobRow, CronRunRow } from '../store/index.js';
import type { Scope } from '../policy/index.js';
import type { Creator, CronJob, CronRun, JobSandbox, Payload, RunStatus, Schedule } from './types.js';

/** A job's stored form. */
export function toRow(j: CronJob): CronJobRow {
  return {
    id: j.id, name: j.name, enabled: j.enabled ? 1 : 0, system: j.system ? 1 : 0,
    schedule: JSON.stringify(j.schedule), payload: JSON.stringify(j.payload), sandbox: JSON.stringify(j.sandbox),
    delete_after_run: j.deleteAfterRun ? 1 : 0, creator: JSON.stringify(j.createdBy), scopes: JSON.stringify(j.scopes),
    created_at: j.createdAt, updated_at: j.updatedAt,
    next_run_at: j.state.nextRunAtMs, last_run_at: j.state.lastRunAtMs, last_status: j.state.lastStatus,
    last_error: j.state.lastError, last_duration_ms: j.state.lastDurationMs, paused: j.state.paused,
  };
}

/** The scheduler-owned columns of a job (see CronRepo.saveState). */
export function toStateRow(j: CronJob) {
  return {
    id: j.id, enabled: (j.enabled ? 1 : 0) as 0 | 1, next_run_at: j.state.nextRunAtMs, last_run_at: j.state.lastRunAtMs,
    last_status: j.state.lastStatus, last_error: j.state.lastError, last_duration_ms: j.state.lastDurationMs, paused: j.state.paused,
  };
}

/** A job from its row (running is live state, never stored). */
export function fromRow(r: CronJobRow): CronJob {
  return {
    id: r.id, name: r.name, enabled: r.enabled === 1, system: r.system === 1,
    schedule: JSON.parse(r.schedule) as Schedule, payload: JSON.parse(r.payload) as Payload, sandbox: JSON.parse(r.sandbox) as JobSandbox,
    deleteAfterRun: r.delete_after_run === 1, createdAt: r.created_at, updatedAt: r.updated_at,
    state: {
      nextRunAtMs: r.next_run_at, lastRunAtMs: r.last_run_at, lastStatus: r.last_status as RunStatus | null,
      lastError: r.last_error, lastDurationMs: r.last_duration_ms, running: false, paused: r.paused,
    },
    createdBy: JSON.parse(r.creator) as Creator, scopes: JSON.parse(r.scopes) as Scope[],
  };
}

/** A copy for clients (events, RPC, tool): later scheduler changes never mutate what was sent. */
export function view(j: CronJob, running: boolean): CronJob {
  return { ...structuredClone(j), state: { ...j.state, running } };
}

/** A run as clients see it. */
export function runView(r: CronRunRow): CronRun {
  return {
    id: r.id, jobId: r.job_id, trigger: r.trigger, status: r.status, startedAtMs: r.started_at, finishedAtMs: r.finished_at,
    durationMs: r.duration_ms, error: r.error, output: r.output, sessionKey: r.session_key, runId: r.run_id,
  };
}
