/**
 * Firing jobs: one timer for the earliest due job, no overlap (a firing while the previous run
 * is still going is skipped and recorded), a stuck run is aborted at `[cron] run_timeout_secs`,
 * and a job whose creator's credential died is paused instead of run.
 */
import type { Identity } from '../policy/index.js';
import type { CronRepo } from '../store/index.js';
import { runIdentity } from './creator.js';
import { nextRunAt } from './schedule.js';
import { CRON_SESSION_PREFIX, HEARTBEAT_ID, type CronJob, type RunStatus, type RunTrigger } from './types.js';

/** Timers, injected so tests pin them. */
export interface Timers { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void }
export const realTimers: Timers = {
  set: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t; },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** One run handed to the agent: the job's own session, at most its creator's scopes. */
export interface ExecuteRequest {
  jobId: string; jobName: string; sessionKey: string; text: string; model?: string;
  scopes: CronJob['scopes']; identity: Identity | null; signal: AbortSignal;
  /** When the firing was due (manual runs: when asked); the bench measures the delay from it. */
  scheduledAtMs: number;
}
export interface ExecuteResult { status: 'ok' | 'error'; error?: string; output?: string; runId?: string }

// Timers wake at least this often, so a wall-clock jump (suspend, NTP) delays a firing by at most this.
const MAX_SLEEP_MS = 60_000;
const OUTPUT_KEPT = 2000;

export interface FiringDeps {
  jobs: Map<string, CronJob>;
  repo: CronRepo;
  now: () => number;
  timers: Timers;
  enabled: boolean;
  runTimeoutMs: number;
  keepRuns: number;
  execute: (r: ExecuteRequest) => Promise<ExecuteResult>;
  isCreatorLive: (identity: Identity) => boolean;
  heartbeatPrompt: () => string | null;
  publish: (event: string, payload: unknown) => void;
  audit: (type: string, detail: string) => void;
  /** Persists a job's scheduler state (no event: run-state changes are announced as runs). */
  saveState: (job: CronJob) => void;
  /** A job the scheduler itself changed (paused) or removed (deleteAfterRun): announce it. */
  updated: (job: CronJob, detail: string) => void;
  removed: (job: CronJob, detail: string) => void;
}

interface Running { rowId: number; controller: AbortController; startedAt: number; timeout: unknown }

export function createFiring(d: FiringDeps) {
  const running = new Map<string, Running>();
  let timer: unknown = null;
  let closed = false;

  const due = (j: CronJob) => j.enabled && j.state.paused === null && j.state.nextRunAtMs !== null;

  function arm(): void {
    if (timer !== null) { d.timers.clear(timer); timer = null; }
    if (closed || !d.enabled) return;
    let next = Infinity;
    for (const j of d.jobs.values()) if (due(j) && j.state.nextRunAtMs! < next) next = j.state.nextRunAtMs!;
    if (next === Infinity) return;
    timer = d.timers.set(tick, Math.min(Math.max(0, next - d.now()), MAX_SLEEP_MS));
  }

  function tick(): void {
    timer = null;
    const t = d.now();
    const dueNow = [...d.jobs.values()].filter((j) => due(j) && j.state.nextRunAtMs! <= t);
    // Every firing of this tick (history rows, state, audit) in one commit.
    if (dueNow.length) d.repo.batch(() => { for (const j of dueNow) fire(j, 'schedule', j.state.nextRunAtMs ?? t); });
    arm();
  }

  // Finished runs are written together on the next turn of the event loop (one commit per burst).
  let finished: Array<() => void> = [];
  function flushFinished(): void {
    const batch = finished;
    finished = [];
    if (batch.length) d.repo.batch(() => { for (const f of batch) f(); });
  }
  function finishSoon(f: () => void): void {
    if (finished.push(f) === 1) setImmediate(() => { if (!closed) flushFinished(); });
  }

  /** A run that did not happen, recorded like one so the history shows why. */
  function skip(j: CronJob, trigger: RunTrigger, reason: string): void {
    const t = d.now();
    d.repo.insertRun({ jobId: j.id, trigger, status: 'skipped', startedAt: t, finishedAt: t, durationMs: 0, error: reason }, d.keepRuns);
    j.state.lastStatus = 'skipped';
    j.state.lastError = reason;
    d.saveState(j);
    d.publish('cron.run.finished', { jobId: j.id, status: 'skipped', durationMs: 0, error: reason });
    d.audit('cron_run_skipped', `job=${j.id} reason=${JSON.stringify(reason)}`);
  }

  /** Fires a job now. Scheduled firings advance the schedule first: missed slots collapse into this one run. */
  function fire(j: CronJob, trigger: RunTrigger, scheduledAt = d.now()): { started: boolean; runId?: number; reason?: string } {
    if (trigger === 'schedule') {
      const prev = j.state.nextRunAtMs ?? scheduledAt;
      j.state.nextRunAtMs = j.schedule.kind === 'at' ? null : nextRunAt(j.schedule, d.now(), prev);
      // An `at` job is done once it fired: disabled (or removed after a successful run, deleteAfterRun).
      if (j.schedule.kind === 'at') j.enabled = false;
      d.saveState(j);
    }
    if (running.has(j.id)) { skip(j, trigger, 'the previous run is still going'); return { started: false, reason: 'the previous run is still going' }; }
    const identity = runIdentity(j.createdBy, j.scopes);
    // Fail closed: a job whose creator's credential is gone never runs (also after a restart).
    if (!j.system && (identity === null || !d.isCreatorLive(identity))) {
      pause(j, 'the credential that created this job was revoked');
      return { started: false, reason: j.state.paused! };
    }
    let text: string;
    if (j.id === HEARTBEAT_ID) {
      const prompt = d.heartbeatPrompt()?.trim() ?? '';
      if (prompt === '') { skip(j, trigger, 'HEARTBEAT.md is missing or empty: no model call'); return { started: false, reason: 'HEARTBEAT.md is missing or empty' }; }
      text = prompt;
    } else {
      text = j.payload.kind === 'agentTurn' ? j.payload.message : j.payload.text;
    }
    const startedAt = d.now();
    const sessionKey = `${CRON_SESSION_PREFIX}${j.id}`;
    const rowId = d.repo.insertRun({ jobId: j.id, trigger, status: 'running', startedAt, sessionKey }, d.keepRuns);
    const controller = new AbortController();
    const run: Running = { rowId, controller, startedAt, timeout: null };
    running.set(j.id, run);
    d.publish('cron.run.started', { jobId: j.id, runId: rowId, trigger, sessionKey, startedAtMs: startedAt, scheduledAtMs: scheduledAt });
    d.audit('cron_run_started', `job=${j.id} run=${rowId} trigger=${trigger} session=${sessionKey}`);
    const stuck = new Promise<{ status: 'error'; error: string }>((resolve) => {
      run.timeout = d.timers.set(() => {
        controller.abort();
        resolve({ status: 'error', error: `still running after ${Math.round(d.runTimeoutMs / 1000)}s ([cron] run_timeout_secs): aborted` });
      }, d.runTimeoutMs);
    });
    const model = j.payload.kind === 'agentTurn' ? j.payload.model : undefined;
    Promise.race([
      d.execute({ jobId: j.id, jobName: j.name, sessionKey, text, ...(model ? { model } : {}), scopes: j.scopes, identity, signal: controller.signal, scheduledAtMs: scheduledAt }),
      stuck,
    ]).catch((err: unknown) => ({ status: 'error' as const, error: (err as Error).message || 'run failed' }))
      .then((r) => finishSoon(() => finish(j, run, r.status, r.error ?? null, 'output' in r ? r.output ?? null : null, 'runId' in r ? r.runId ?? null : null)));
    return { started: true, runId: rowId };
  }

  function finish(j: CronJob, run: Running, status: RunStatus, error: string | null, output: string | null, agentRunId: string | null): void {
    if (closed || running.get(j.id) !== run) return; // closed, or already settled (timeout, removal)
    running.delete(j.id);
    d.timers.clear(run.timeout);
    const t = d.now();
    const durationMs = t - run.startedAt;
    d.repo.finishRun(run.rowId, { status, finishedAt: t, durationMs, error, output: output?.slice(0, OUTPUT_KEPT) ?? null, runId: agentRunId });
    d.publish('cron.run.finished', { jobId: j.id, runId: run.rowId, status, durationMs, ...(error ? { error } : {}) });
    d.audit('cron_run_finished', `job=${j.id} run=${run.rowId} status=${status} duration_ms=${durationMs}${error ? ` error=${JSON.stringify(error)}` : ''}`);
    if (!d.jobs.has(j.id)) return; // removed while it ran
    Object.assign(j.state, { lastRunAtMs: run.startedAt, lastStatus: status, lastError: error, lastDurationMs: durationMs });
    if (j.deleteAfterRun && status === 'ok') d.removed(j, 'by=system reason=deleteAfterRun');
    else d.saveState(j);
  }

  function pause(j: CronJob, reason: string): void {
    j.state.paused = reason;
    j.state.nextRunAtMs = null;
    d.updated(j, `by=system paused=${JSON.stringify(reason)}`);
  }

  return {
    arm, fire, pause,
    isRunning: (id: string) => running.has(id),
    runningCount: () => running.size,
    /** Aborts a job's run (the job is being removed); its row is closed as failed. */
    abort(id: string, reason: string): void {
      const r = running.get(id);
      if (!r) return;
      r.controller.abort();
      const j = d.jobs.get(id);
      if (j) finish(j, r, 'error', reason, null, null);
    },
    /** Stops the timer and every run (rows closed as failed: the gateway stopped). */
    close(): void {
      if (timer !== null) d.timers.clear(timer);
      flushFinished();
      for (const [id, r] of running) {
        r.controller.abort();
        d.timers.clear(r.timeout);
        const t = d.now();
        d.repo.finishRun(r.rowId, { status: 'error', finishedAt: t, durationMs: t - r.startedAt, error: 'interrupted: the gateway stopped', output: null, runId: null });
        running.delete(id);
      }
      closed = true;
    },
  };
}
export type Firing = ReturnType<typeof createFiring>;
