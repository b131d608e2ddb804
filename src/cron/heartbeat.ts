/**
 * The heartbeat: the one system job, defined by `[heartbeat]` in moltis.toml and nothing else.
 * Its prompt is HEARTBEAT.md in the data dir, read at each firing; a missing or empty file means
 * no model call at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../config/index.js';
import type { Scope } from '../policy/index.js';
import { HEARTBEAT_ID, type CronJob } from './types.js';

export const HEARTBEAT_FILE = 'HEARTBEAT.md';
/** What a heartbeat turn may do: chat and use the operator's tools, never administer. */
export const HEARTBEAT_SCOPES: readonly Scope[] = Object.freeze(['operator.read', 'operator.write']);
const MAX_PROMPT_BYTES = 64 * 1024;

/** Reads `<dataDir>/HEARTBEAT.md` (null when absent or unreadable; long files are cut). */
export function readHeartbeatPrompt(dataDir: string): string | null {
  try { return readFileSync(join(dataDir, HEARTBEAT_FILE), 'utf8').slice(0, MAX_PROMPT_BYTES); } catch { return null; }
}

/**
 * The heartbeat job as the config wants it, given the stored one (its state and history are
 * kept). Null when the config has it off and it was never created.
 */
export function heartbeatJob(cfg: { enabled: boolean; every: string }, sandboxEnabled: boolean, existing: CronJob | undefined, now: number): CronJob | null {
  const everyMs = parseDuration(cfg.every);
  if (!cfg.enabled) return existing ? { ...existing, enabled: false, state: { ...existing.state, nextRunAtMs: null } } : null;
  const sameSchedule = existing?.schedule.kind === 'every' && existing.schedule.every_ms === everyMs;
  if (existing && existing.enabled && sameSchedule && existing.state.nextRunAtMs !== null) return existing;
  return {
    id: HEARTBEAT_ID, name: 'Heartbeat', enabled: true, system: true,
    schedule: { kind: 'every', every_ms: everyMs },
    payload: { kind: 'agentTurn', message: `(the contents of ${HEARTBEAT_FILE})` },
    sandbox: existing?.sandbox ?? { enabled: sandboxEnabled },
    deleteAfterRun: false,
    createdAt: existing?.createdAt ?? now, updatedAt: now,
    state: { ...(existing?.state ?? { lastRunAtMs: null, lastStatus: null, lastError: null, lastDurationMs: null, running: false }), nextRunAtMs: now + everyMs, paused: null },
    createdBy: { kind: 'system', via: 'config' },
    scopes: [...HEARTBEAT_SCOPES],
  };
}
