/**
 * Test kit for the cron unit tests: a real SQLite store (in memory), a pinned clock, manual
 * timers, and an executor the test controls. Not exported from index.ts.
 */
import { createStore } from '../store/index.js';
import { parseConfig } from '../config/index.js';
import { ALL_SCOPES, type Identity, type Scope } from '../policy/index.js';
import { createCron, type CronDeps } from './cron.js';
import type { ExecuteRequest, ExecuteResult, Timers } from './firing.js';
import type { Actor } from './types.js';

/** Timers driven by `advance`, on the same pinned clock as `now`. */
export function manualClock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  // Runs settle over a few event-loop turns (executor promise, then the batched history write).
  const settle = async () => { for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); };
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set: (fn, ms) => { const id = ++seq; pending.set(id, { at: t + ms, fn }); return id; },
    clear: (h) => { pending.delete(h as number); },
  };
  return {
    now: () => t,
    timers,
    /** Moves the clock, running every timer that falls due on the way (in order). */
    async advance(ms: number): Promise<void> {
      const end = t + ms;
      for (;;) {
        const next = [...pending.entries()].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        pending.delete(next[0]);
        t = Math.max(t, next[1].at);
        next[1].fn();
        await settle();
      }
      t = end;
      await settle();
    },
    /** Jumps the clock without running timers (downtime). */
    jump(ms: number): void { t += ms; },
  };
}

export interface Kit {
  cron: ReturnType<typeof createCron>;
  clock: ReturnType<typeof manualClock>;
  store: ReturnType<typeof createStore>;
  calls: ExecuteRequest[];
  events: Array<{ event: string; payload: any }>;
  audits: Array<{ type: string; detail: string }>;
  /** How the next executions end (default: ok at once). */
  behave: (r: ExecuteRequest) => Promise<ExecuteResult>;
  live: Set<number>;
  prompt: string | null;
  restart(): void;
}

/** A cron over a fresh in-memory store; `toml` adds config (e.g. "[cron]\nmin_interval_secs = 1"). */
export function kit(toml = '', extra: Partial<CronDeps> = {}): Kit {
  const clock = manualClock();
  const store = createStore({ path: ':memory:' });
  const config = parseConfig(toml);
  let ids = 0;
  const k: Kit = {
    clock, store, calls: [], events: [], audits: [], live: new Set([1, 2, 3]), prompt: null,
    behave: async () => ({ status: 'ok', output: 'done' }),
    cron: undefined as never,
    restart() { k.cron.close(); k.cron = build(); },
  };
  const build = () => createCron({
    repo: store.cron, config, now: clock.now, timers: clock.timers, randomId: () => `job-${++ids}`,
    execute: (r) => { k.calls.push(r); return k.behave(r); },
    publish: (event, payload) => k.events.push({ event, payload }),
    audit: (type, detail) => k.audits.push({ type, detail }),
    isCreatorLive: (id: Identity) => id.apiKeyId === undefined || k.live.has(id.apiKeyId),
    heartbeatPrompt: () => k.prompt,
    ...extra,
  });
  k.cron = build();
  return k;
}

/** An RPC caller holding an API key with `scopes`. */
export const rpcKey = (apiKeyId: number, scopes: Scope[]): Actor => ({ creator: { kind: 'apikey', method: 'api_key', apiKeyId, via: 'rpc' }, scopes });
/** The model, in a turn started by key `apiKeyId` with `scopes`. */
export const toolKey = (apiKeyId: number, scopes: Scope[]): Actor => ({ creator: { kind: 'apikey', method: 'api_key', apiKeyId, via: 'tool', sessionKey: 'main', toolCallId: 'call_1' }, scopes });
export const owner: Actor = { creator: { kind: 'owner', method: 'password', via: 'rpc' }, scopes: [...ALL_SCOPES] };
export const WRITE: Scope[] = ['operator.read', 'operator.write'];

/** A valid job: a turn every `everyMs`. */
export const everyJob = (everyMs = 60_000, extra: Record<string, unknown> = {}) => ({ name: 'tick', schedule: { kind: 'every', every_ms: everyMs }, payload: { kind: 'agentTurn', message: 'do the thing' }, ...extra });
