import type { AuthMethod, Scope } from '../policy/index.js';

/** When a job fires: a cron expression (5 or 6 fields, optional IANA zone), an interval, or once. */
export type Schedule =
  | { kind: 'cron'; expr: string; tz?: string }
  | { kind: 'every'; every_ms: number }
  | { kind: 'at'; at_ms: number };

/** What a firing does: a turn in the job's own session `cron:<id>`. */
export type Payload =
  | { kind: 'agentTurn'; message: string; model?: string }
  | { kind: 'systemEvent'; text: string };

/** Where the job's commands run; absent fields take `[cron.job.sandbox]`. */
export interface JobSandbox { enabled: boolean; image?: string }

export type RunStatus = 'ok' | 'error' | 'skipped';
export type RunTrigger = 'schedule' | 'manual';

/**
 * Who created a job, recorded at creation. A run acts with at most the creator's scopes, and
 * only while the creator's credential lives (an API key; "owner" means the password/passkey
 * owner; "loopback" is the tier-2 local caller before setup; "system" is the gateway itself).
 */
export interface Creator {
  kind: 'apikey' | 'owner' | 'system';
  method?: AuthMethod;
  apiKeyId?: number;
  via: 'rpc' | 'tool' | 'config';
  /** The chat session the model was serving (tool) or none (RPC). */
  sessionKey?: string;
  toolCallId?: string;
}

/** Scheduler state of a job, as the original reported it (plus why it is paused). */
export interface JobState {
  nextRunAtMs: number | null;
  lastRunAtMs: number | null;
  lastStatus: RunStatus | null;
  lastError: string | null;
  lastDurationMs: number | null;
  running: boolean;
  /** Set when the job cannot run any more, e.g. its creator's key was revoked. */
  paused: string | null;
}

/** A job as RPC, the tool and events show it (the original's JSON, plus system/createdBy/scopes). */
export interface CronJob {
  id: string;
  name: string;
  enabled: boolean;
  system: boolean;
  schedule: Schedule;
  payload: Payload;
  sandbox: JobSandbox;
  deleteAfterRun: boolean;
  createdAt: number;
  updatedAt: number;
  state: JobState;
  createdBy: Creator;
  /** The most a run may do: the creator's scopes at creation. */
  scopes: Scope[];
}

/** One run in a job's history. */
export interface CronRun {
  id: number;
  jobId: string;
  trigger: string;
  status: RunStatus | 'running';
  startedAtMs: number;
  finishedAtMs: number | null;
  durationMs: number | null;
  error: string | null;
  output: string | null;
  sessionKey: string | null;
  runId: string | null;
}

/** Who is asking for a change: the creator record it would leave, and the scopes it holds. */
export interface Actor { creator: Creator; scopes: readonly Scope[]; clientIp?: string | null }

/** The id of the gateway's own heartbeat job. */
export const HEARTBEAT_ID = '__heartbeat__';
export { CRON_SESSION_PREFIX, isCronSession } from '../policy/index.js';
