/**
 * One cron measurement in a fresh process (so its RSS is its own), printed as one JSON line:
 *   node --import tsx --expose-gc bench/lib/cron-child.ts cron|timers JOBS EVERY_MS
 * `cron`: the real scheduler over a real SQLite file in the temp dir (WAL, synchronous = FULL)
 * with the real audit table and JOBS enabled jobs. The executor returns at once, so the delay
 * is the scheduler's own (timer, history rows, state, audit). Two plans: first firings spread
 * evenly over one interval, then every job due at the same instant (what `0 * * * *` on every
 * job would do). `timers`: the baseline, the same plans on bare `setTimeout`s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../src/config/index.js';
import { createCron } from '../../src/cron/index.js';
import { createStore } from '../../src/store/index.js';

const [mode, jobsArg, everyArg] = process.argv.slice(2);
const JOBS = Number(jobsArg);
const EVERY = Number(everyArg);
/** Time left for setting up before the first measured firing. */
const LEAD_MS = 1500;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
/** RSS after the heap settles (start-up garbage — tsx compiling modules — is freed first). */
async function rss(): Promise<number> {
  for (let i = 0; i < 6; i++) { gc(); await sleep(100); }
  return process.memoryUsage().rss / 1024 / 1024;
}
const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return { firings: s.length, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: s.at(-1) ?? Number.NaN };
};
/** When job i of a plan first falls due, from the plan's start S. */
const offset = (i: number, spread: boolean, jobs: number) => (spread ? Math.floor((i * EVERY) / jobs) : 0);

async function cronPlan(spread: boolean, measureRss: boolean, jobs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-bench-cron-'));
  const store = createStore({ path: join(dir, 'moltis.db') });
  const config = parseConfig(`[cron]\nmin_interval_secs = 1\nmax_jobs = ${Math.max(jobs, 1)}\nrate_limit_max = ${Math.max(jobs, 1)}\n[heartbeat]\nenabled = false\n`);
  const delays: number[] = [];
  let frozen: number | null = null;
  let measureFrom = Infinity;
  const c = createCron({
    repo: store.cron, config, now: () => frozen ?? Date.now(),
    execute: async (r) => { if (r.scheduledAtMs >= measureFrom) delays.push(Date.now() - r.scheduledAtMs); return { status: 'ok', output: 'ok' }; },
    publish: () => {},
    audit: (type, detail) => { store.audit.append({ type, clientIp: null, detail, now: Date.now() }); },
    isCreatorLive: () => true,
    heartbeatPrompt: () => null,
  });
  const actor = { creator: { kind: 'apikey' as const, method: 'api_key' as const, apiKeyId: 1, via: 'rpc' as const }, scopes: ['operator.read' as const, 'operator.write' as const] };
  const S = Date.now() + LEAD_MS;
  measureFrom = S;
  // Set-up, not measured: created "in the past" so that job i first falls due at S + offset(i).
  const first = jobs === 0 ? '' : store.cron.batch(() => {
    let id = '';
    for (let i = 0; i < jobs; i++) {
      frozen = S + offset(i, spread, jobs) - EVERY;
      const j = c.add({ name: `job ${i}`, schedule: { kind: 'every', every_ms: EVERY }, payload: { kind: 'agentTurn', message: `job ${i}` } }, actor);
      id ||= j.id;
    }
    return id;
  });
  frozen = null;
  if (first) c.update(first, { name: 'job 0' }, actor); // re-arms the timer on the real clock
  await sleep(S - Date.now() + (spread ? EVERY : 0) + 500);
  const loaded = measureRss ? await rss() : 0;
  c.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { rss: loaded, ...quantiles(delays) };
}

async function timerPlan(spread: boolean, measureRss: boolean, jobs: number) {
  const delays: number[] = [];
  const handles: NodeJS.Timeout[] = [];
  const S = Date.now() + LEAD_MS;
  for (let i = 0; i < jobs; i++) {
    let due = S + offset(i, spread, jobs);
    const arm = () => { handles[i] = setTimeout(() => { delays.push(Date.now() - due); due += EVERY; arm(); }, Math.max(0, due - Date.now())); };
    arm();
  }
  await sleep(S - Date.now() + (spread ? EVERY : 0) + 500);
  const loaded = measureRss ? await rss() : 0;
  for (const h of handles) clearTimeout(h);
  return { rss: loaded, ...quantiles(delays) };
}

const plan = mode === 'cron' ? cronPlan : timerPlan;
// "Idle" is the same plan with no jobs, read at the same point: RSS drifts with time on its own
// (start-up garbage returned late), so both readings must share that drift.
const idle = await plan(true, true, 0);
const spread = await plan(true, true, JOBS);
const burst = await plan(false, false, JOBS);
process.stdout.write(`${JSON.stringify({ mode, beyondIdleMb: spread.rss - idle.rss, spread, burst })}\n`);
