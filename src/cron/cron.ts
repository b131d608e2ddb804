/**
 * The cron capability: jobs in SQLite, the scheduler, the creation limit, the heartbeat, and the
 * permission rules every surface (RPC, tool) goes through. A job never has more power than
 * its creator (invariant 10); every change is an event and an audit entry naming who made it.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/index.js';
import { authorize, ADMIN, type Identity } from '../policy/index.js';
import type { CronRepo } from '../store/index.js';
import { fromRow, runView, toRow, toStateRow, view } from './codec.js';
import { describeCreator, runIdentity } from './creator.js';
import { CronError, invalid } from './errors.js';
import { createFiring, realTimers, type ExecuteRequest, type ExecuteResult, type Timers } from './firing.js';
import { heartbeatJob } from './heartbeat.js';
import { createRateLimiter } from './rate-limit.js';
import { checkSchedule, nextRunAt } from './schedule.js';
import { mergePayload, mergeSchedule, parseCreate, parsePatch } from './validate.js';
import { CRON_SESSION_PREFIX, HEARTBEAT_ID, type Actor, type CronJob, type CronRun } from './types.js';

export interface CronDeps {
  repo: CronRepo;
  config: Pick<Config, 'cron' | 'heartbeat'>;
  now: () => number;
  timers?: Timers;
  randomId?: () => string;
  /** Runs one firing as an agent turn (see agentExecutor). */
  execute: (r: ExecuteRequest) => Promise<ExecuteResult>;
  publish: (event: string, payload: unknown) => void;
  audit: (type: string, detail: string, clientIp?: string | null) => void;
  /** Is the credential a job acts as still valid? Checked at every firing. */
  isCreatorLive: (identity: Identity) => boolean;
  /** HEARTBEAT.md's text (null: missing). */
  heartbeatPrompt: () => string | null;
  /** Why a payload's model cannot be used (null: it can). */
  modelProblem?: (model: string) => string | null;
}

/** Does `held` include every scope in `needed` (admin covers all, write covers read)? */
const covers = (held: Actor['scopes'], needed: readonly string[]) => needed.every((s) => authorize(s as never, held).ok);
/** Host execution for a job is an admin's decision, made over RPC, never the model's. */
const mayRunOnHost = (a: Actor) => a.creator.via === 'rpc' && a.scopes.includes(ADMIN);

/** Builds the scheduler; call `close()` before the store closes. */
export function createCron(d: CronDeps) {
  const c = d.config.cron;
  const now = d.now;
  const jobs = new Map<string, CronJob>();
  const limiter = createRateLimiter({ max: c.rate_limit_max, windowMs: c.rate_limit_window_secs * 1000, now });
  const minIntervalMs = c.min_interval_secs * 1000;
  const save = (j: CronJob) => { d.repo.save(toRow(j)); };
  const show = (j: CronJob) => view(j, firing.isRunning(j.id));
  const announce = (j: CronJob, type: 'created' | 'updated', detail: string, ip?: string | null) => {
    d.publish(`cron.job.${type}`, { job: show(j) });
    d.audit(`cron_job_${type}`, `job=${j.id} name=${JSON.stringify(j.name)} ${detail}`, ip);
  };
  const drop = (j: CronJob, detail: string, ip?: string | null) => {
    firing.abort(j.id, 'the job was removed');
    jobs.delete(j.id);
    d.repo.delete(j.id);
    d.publish('cron.job.removed', { jobId: j.id });
    d.audit('cron_job_removed', `job=${j.id} name=${JSON.stringify(j.name)} ${detail}`, ip);
    firing.arm();
  };
  const firing = createFiring({
    jobs, repo: d.repo, now, timers: d.timers ?? realTimers, enabled: c.enabled,
    runTimeoutMs: c.run_timeout_secs * 1000, keepRuns: c.max_runs_per_job,
    execute: d.execute, isCreatorLive: d.isCreatorLive, heartbeatPrompt: d.heartbeatPrompt,
    publish: d.publish, audit: (t, detail) => d.audit(t, detail),
    saveState: (j) => d.repo.saveState(toStateRow(j)), updated: (j, detail) => { save(j); announce(j, 'updated', detail); }, removed: (j, detail) => drop(j, detail),
  });

  function get(id: unknown): CronJob {
    const j = typeof id === 'string' ? jobs.get(id) : undefined;
    if (!j) throw new CronError('NOT_FOUND', `no job ${String(id)} (cron.list shows the jobs)`, 'id');
    return j;
  }
  /** Changing or removing a job needs every scope it acts with: a weaker caller cannot steer a stronger job. */
  function assertMayChange(j: CronJob, a: Actor, verb: string): void {
    if (j.system) throw new CronError('FORBIDDEN', `job ${j.id} is a system job: it cannot be ${verb} (turn it on or off in moltis.toml)`, 'id');
    if (!covers(a.scopes, j.scopes)) throw new CronError('FORBIDDEN', `job ${j.id} acts with scopes ${j.scopes.join(', ')}, which you do not all hold: it cannot be ${verb} by you`, 'id');
  }
  function refuse(field: string, message: string, a: Actor): never {
    d.audit('cron_job_refused', `field=${field} ${describeCreator(a.creator)} reason=${JSON.stringify(message)}`, a.clientIp);
    throw new CronError('FORBIDDEN', `${field}: ${message}`, field);
  }
  /** Security-relevant input refusals (system, reserved ids) are audited, like scope denials. */
  function parseAudited<T>(parse: () => T, a: Actor): T {
    try { return parse(); } catch (err) {
      if (err instanceof CronError && (err.field === 'system' || err.field === 'id')) d.audit('cron_job_refused', `field=${err.field} ${describeCreator(a.creator)}`, a.clientIp);
      throw err;
    }
  }
  function checkModel(p: CronJob['payload']): void {
    const problem = p.kind === 'agentTurn' && p.model !== undefined ? d.modelProblem?.(p.model) ?? null : null;
    if (problem) throw invalid('payload.model', problem);
  }

  // Start-up: runs cut short by a stop are failed; missed firings are due now and fire once.
  d.repo.failRunning(now(), 'interrupted: the gateway stopped during this run');
  for (const row of d.repo.list()) jobs.set(row.id, fromRow(row));
  const hb = heartbeatJob(d.config.heartbeat, c.job.sandbox.enabled, jobs.get(HEARTBEAT_ID), now());
  if (hb && hb !== jobs.get(HEARTBEAT_ID)) {
    if (!jobs.has(HEARTBEAT_ID)) d.audit('cron_job_created', `job=${HEARTBEAT_ID} name="Heartbeat" by=system via=config every=${d.config.heartbeat.every}`);
    jobs.set(HEARTBEAT_ID, hb);
    save(hb);
  }
  firing.arm();

  return {
    /** `cron.add`: counted against the creation limit before anything else, then validated. */
    add(params: unknown, a: Actor): CronJob {
      const slot = limiter.take();
      if (!slot.ok) {
        d.audit('cron_rate_limited', `${describeCreator(a.creator)} retry_after_ms=${slot.retryAfterMs}`, a.clientIp);
        throw new CronError('RATE_LIMITED', `too many jobs created: at most ${c.rate_limit_max} per ${c.rate_limit_window_secs}s ([cron] rate_limit_max, rate_limit_window_secs); retry in ${Math.ceil(slot.retryAfterMs / 1000)}s`, undefined, slot.retryAfterMs);
      }
      const input = parseAudited(() => parseCreate(params), a);
      const t = now();
      checkSchedule(input.schedule, t, minIntervalMs);
      checkModel(input.payload);
      const count = [...jobs.values()].filter((j) => !j.system).length;
      if (count >= c.max_jobs) throw new CronError('CONFLICT', `too many jobs: [cron] max_jobs = ${c.max_jobs} reached; remove a job first`, 'max_jobs');
      if (input.sandbox.enabled === false && !mayRunOnHost(a)) refuse('sandbox.enabled', 'running a job on the host needs operator.admin over RPC; the agent can never turn a sandbox off', a);
      // A default of "off" never hands host execution to someone who could not ask for it.
      const sandboxOn = input.sandbox.enabled ?? (c.job.sandbox.enabled || !mayRunOnHost(a));
      const job: CronJob = {
        id: d.randomId?.() ?? randomUUID(), name: input.name, enabled: input.enabled, system: false,
        schedule: input.schedule, payload: input.payload,
        sandbox: { enabled: sandboxOn, ...(input.sandbox.image ? { image: input.sandbox.image } : {}) },
        deleteAfterRun: input.deleteAfterRun, createdAt: t, updatedAt: t,
        state: { nextRunAtMs: input.enabled ? nextRunAt(input.schedule, t, t) : null, lastRunAtMs: null, lastStatus: null, lastError: null, lastDurationMs: null, running: false, paused: null },
        createdBy: a.creator, scopes: [...a.scopes],
      };
      save(job);
      jobs.set(job.id, job);
      announce(job, 'created', `${describeCreator(a.creator)} scopes=${job.scopes.join(',')} sandbox=${sandboxOn ? 'on' : 'off'}`, a.clientIp);
      firing.arm();
      return show(job);
    },

    /** `cron.update {id, patch}`. */
    update(id: unknown, patchParams: unknown, a: Actor): CronJob {
      const j = get(id);
      assertMayChange(j, a, 'updated');
      // The model never steers a job that runs on the host.
      if (!j.sandbox.enabled && a.creator.via === 'tool') refuse('id', `job ${j.id} runs on the host: only an operator.admin caller over RPC can change it`, a);
      const p = parseAudited(() => parsePatch(patchParams), a);
      if (p.sandbox?.enabled === false && j.sandbox.enabled && !mayRunOnHost(a)) refuse('patch.sandbox.enabled', 'running a job on the host needs operator.admin over RPC; the agent can never turn a sandbox off', a);
      const t = now();
      const schedule = p.schedule ? mergeSchedule(j.schedule, p.schedule) : j.schedule;
      const payload = p.payload ? mergePayload(j.payload, p.payload) : j.payload;
      const enabled = p.enabled ?? j.enabled;
      const rescheduled = p.schedule !== undefined || (enabled && !j.enabled);
      if (p.schedule || (rescheduled && schedule.kind === 'at')) checkSchedule(schedule, t, minIntervalMs);
      checkModel(payload);
      const changed = Object.keys(p);
      Object.assign(j, {
        name: p.name ?? j.name, enabled, schedule, payload, deleteAfterRun: p.deleteAfterRun ?? j.deleteAfterRun,
        sandbox: { ...j.sandbox, ...p.sandbox }, updatedAt: t,
      });
      if (!enabled || j.state.paused !== null) j.state.nextRunAtMs = null;
      else if (rescheduled || j.state.nextRunAtMs === null) j.state.nextRunAtMs = nextRunAt(schedule, t, t);
      save(j);
      announce(j, 'updated', `${describeCreator(a.creator)} changed=${changed.join(',')}`, a.clientIp);
      firing.arm();
      return show(j);
    },

    /** `cron.remove {id}`. */
    remove(id: unknown, a: Actor): { removed: true; jobId: string } {
      const j = get(id);
      assertMayChange(j, a, 'removed');
      drop(j, describeCreator(a.creator), a.clientIp);
      return { removed: true, jobId: j.id };
    },

    /** `cron.run {id}`: now, once. Disabled and paused jobs are refused (the original's `force` is gone). */
    run(id: unknown, a: Actor): { started: true; jobId: string; runId: number } {
      const j = get(id);
      if (!c.enabled) throw new CronError('CONFLICT', 'the scheduler is off ([cron] enabled = false)');
      if (j.state.paused !== null) throw new CronError('FORBIDDEN', `job ${j.id} is paused: ${j.state.paused}`, 'id');
      if (!j.enabled) throw new CronError('CONFLICT', `job ${j.id} is disabled: enable it first (cron.update {id, patch: {enabled: true}})`, 'id');
      if (firing.isRunning(j.id)) throw new CronError('CONFLICT', `job ${j.id} is running now; wait for it to finish`, 'id');
      d.audit('cron_run_requested', `job=${j.id} ${describeCreator(a.creator)}`, a.clientIp);
      const r = firing.fire(j, 'manual');
      if (!r.started) throw new CronError(j.state.paused !== null ? 'FORBIDDEN' : 'CONFLICT', `job ${j.id} did not run: ${r.reason}`, 'id');
      return { started: true, jobId: j.id, runId: r.runId! };
    },

    list(): CronJob[] {
      return [...jobs.values()].sort((x, y) => x.createdAt - y.createdAt || x.id.localeCompare(y.id)).map(show);
    },
    get: (id: string): CronJob | null => (jobs.has(id) ? show(jobs.get(id)!) : null),

    runs(id: unknown, limit = 20): CronRun[] {
      return d.repo.runs(get(id).id, limit).map(runView);
    },

    status() {
      const all = [...jobs.values()];
      const next = all.filter((j) => j.enabled && j.state.paused === null && j.state.nextRunAtMs !== null)
        .sort((x, y) => x.state.nextRunAtMs! - y.state.nextRunAtMs!)[0];
      return {
        running: c.enabled,
        jobs: all.filter((j) => !j.system).length,
        systemJobs: all.filter((j) => j.system).length,
        enabledJobs: all.filter((j) => j.enabled).length,
        pausedJobs: all.filter((j) => j.state.paused !== null).length,
        runningJobs: firing.runningCount(),
        nextRunAtMs: next?.state.nextRunAtMs ?? null,
        nextJobId: next?.id ?? null,
        maxJobs: c.max_jobs,
        minIntervalSecs: c.min_interval_secs,
        rateLimit: { max: c.rate_limit_max, windowSecs: c.rate_limit_window_secs, remaining: limiter.remaining() },
        heartbeat: { enabled: d.config.heartbeat.enabled, every: d.config.heartbeat.every },
      };
    },

    /** Pauses every job whose run identity a revocation kills (the running turn is aborted by the agent). */
    pauseWhere(pred: (identity: Identity) => boolean, reason: string): number {
      let n = 0;
      for (const j of jobs.values()) {
        const id = runIdentity(j.createdBy, j.scopes);
        if (j.system || j.state.paused !== null || id === null || !pred(id)) continue;
        firing.pause(j, `the credential that created this job was revoked (${reason})`);
        n++;
      }
      if (n) firing.arm();
      return n;
    },

    /** The sandbox of a job's session (`cron:<id>`), for exec; null for other sessions. */
    sandboxFor(sessionKey: string): { enabled: boolean; image?: string } | null {
      if (!sessionKey.startsWith(CRON_SESSION_PREFIX)) return null;
      const j = jobs.get(sessionKey.slice(CRON_SESSION_PREFIX.length));
      if (!j) return null;
      const image = j.sandbox.image ?? c.job.sandbox.image;
      return { enabled: j.sandbox.enabled, ...(image ? { image } : {}) };
    },

    close(): void { firing.close(); },
  };
}
export type Cron = ReturnType<typeof createCron>;
