import type { Db } from '../db.js';

/** A stored job; schedule, payload, sandbox, creator and scopes are JSON text. */
export interface CronJobRow {
  id: string; name: string; enabled: 0 | 1; system: 0 | 1;
  schedule: string; payload: string; sandbox: string; delete_after_run: 0 | 1;
  creator: string; scopes: string; created_at: number; updated_at: number;
  next_run_at: number | null; last_run_at: number | null; last_status: string | null; last_error: string | null;
  last_duration_ms: number | null; paused: string | null;
}
/** One run of a job. */
export interface CronRunRow {
  id: number; job_id: string; trigger: string; status: 'running' | 'ok' | 'error' | 'skipped';
  started_at: number; finished_at: number | null; duration_ms: number | null;
  error: string | null; output: string | null; session_key: string | null; run_id: string | null;
}

const COLUMNS = ['id', 'name', 'enabled', 'system', 'schedule', 'payload', 'sandbox', 'delete_after_run', 'creator', 'scopes', 'created_at', 'updated_at', 'next_run_at', 'last_run_at', 'last_status', 'last_error', 'last_duration_ms', 'paused'] as const;

/** Repository for scheduled jobs and their bounded run history. */
export function createCronRepo(db: Db) {
  const q = {
    all: db.prepare('SELECT * FROM cron_jobs ORDER BY created_at ASC, id ASC'),
    get: db.prepare('SELECT * FROM cron_jobs WHERE id = ?'),
    upsert: db.prepare(`INSERT INTO cron_jobs (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
      ON CONFLICT(id) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'id' && c !== 'created_at').map((c) => `${c} = excluded.${c}`).join(', ')}`),
    delete: db.prepare('DELETE FROM cron_jobs WHERE id = ?'),
    saveState: db.prepare('UPDATE cron_jobs SET enabled = @enabled, next_run_at = @next_run_at, last_run_at = @last_run_at, last_status = @last_status, last_error = @last_error, last_duration_ms = @last_duration_ms, paused = @paused WHERE id = @id'),
    insertRun: db.prepare('INSERT INTO cron_runs (job_id, trigger, status, started_at, finished_at, duration_ms, error, session_key, run_id) VALUES (@jobId, @trigger, @status, @startedAt, @finishedAt, @durationMs, @error, @sessionKey, NULL)'),
    finishRun: db.prepare('UPDATE cron_runs SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs, error = @error, output = @output, run_id = COALESCE(@runId, run_id) WHERE id = @id'),
    // Keeps the newest `keep` runs of a job (both lookups walk the (job_id, id) index).
    trim: db.prepare('DELETE FROM cron_runs WHERE job_id = @jobId AND id < (SELECT id FROM cron_runs WHERE job_id = @jobId ORDER BY id DESC LIMIT 1 OFFSET @keep - 1)'),
    runs: db.prepare('SELECT * FROM cron_runs WHERE job_id = ? ORDER BY id DESC LIMIT ?'),
    failRunning: db.prepare("UPDATE cron_runs SET status = 'error', finished_at = @now, duration_ms = @now - started_at, error = @error WHERE status = 'running'"),
  };
  return {
    /**
     * Runs `fn` in one transaction: a burst of firings (or of finished runs) costs one durable
     * commit instead of one per row — with synchronous = FULL each commit is an fsync.
     */
    batch: <T>(fn: () => T): T => db.transaction(fn)(),
    list: (): CronJobRow[] => q.all.all() as CronJobRow[],
    get: (id: string): CronJobRow | undefined => q.get.get(id) as CronJobRow | undefined,
    /** Inserts or replaces a job (created_at is kept on replace). */
    save: (row: CronJobRow): void => void q.upsert.run(row),
    /** Writes only what the scheduler changes at a firing (cheaper than `save`: no JSON). */
    saveState: (row: Pick<CronJobRow, 'id' | 'enabled' | 'next_run_at' | 'last_run_at' | 'last_status' | 'last_error' | 'last_duration_ms' | 'paused'>): void => void q.saveState.run(row),
    /** Deletes a job and (by cascade) its runs. */
    delete: (id: string): boolean => q.delete.run(id).changes > 0,
    /** Records a run and drops the job's runs beyond the newest `keep`. Returns the run id. */
    insertRun: db.transaction((r: { jobId: string; trigger: string; status: CronRunRow['status']; startedAt: number; finishedAt?: number | null; durationMs?: number | null; error?: string | null; sessionKey?: string | null }, keep: number): number => {
      const id = Number(q.insertRun.run({ finishedAt: null, durationMs: null, error: null, sessionKey: null, ...r }).lastInsertRowid);
      q.trim.run({ jobId: r.jobId, keep });
      return id;
    }),
    finishRun: (id: number, r: { status: CronRunRow['status']; finishedAt: number; durationMs: number; error: string | null; output: string | null; runId: string | null }): void =>
      void q.finishRun.run({ id, ...r }),
    runs: (jobId: string, limit: number): CronRunRow[] => q.runs.all(jobId, limit) as CronRunRow[],
    /** Runs left 'running' by a gateway that stopped are marked failed; returns how many. */
    failRunning: (now: number, error: string): number => q.failRunning.run({ now, error }).changes,
  };
}
export type CronRepo = ReturnType<typeof createCronRepo>;
