/**
 * Scheduled jobs under load: 1,000 enabled jobs in the real scheduler (real SQLite file, real
 * audit table), each measurement in its own child process (bench/lib/cron-child.ts) so RSS is
 * the scheduler's own. Baseline: the same firing plans on bare `setTimeout`s in another child.
 * Goals (issue 14): ≤ 20 MB beyond idle, firing delay p99 ≤ 100 ms.
 */
import { fileURLToPath } from 'node:url';
import type { Children } from './children.js';
import type { Row } from './report.js';

const CHILD = fileURLToPath(new URL('./cron-child.ts', import.meta.url));

interface Plan { firings: number; p50Ms: number; p99Ms: number; maxMs: number }
interface ChildResult { beyondIdleMb: number; spread: Plan; burst: Plan }

async function measure(children: Children, mode: 'cron' | 'timers', jobs: number, everyMs: number): Promise<ChildResult> {
  // The child imports src/ directly (like the vault and classifier figures), so it always loads tsx.
  const c = children.start(['--import', 'tsx', '--expose-gc', CHILD, mode, String(jobs), String(everyMs)]);
  try {
    const line = await c.waitLine(/^\{.*\}$/, everyMs + 60_000);
    return JSON.parse(line[0]) as ChildResult;
  } finally {
    await children.stop(c);
  }
}

/** The cron rows of the report. Each job fires every `everyMs` (the spread plan fires every job once in it). */
export async function cronFigures(o: { children: Children; jobs: number; everyMs: number; log: (s: string) => void }): Promise<Row[]> {
  o.log(`cron: ${o.jobs} jobs every ${o.everyMs / 1000} s, firings spread, then all due at once (scheduler)`);
  const m = await measure(o.children, 'cron', o.jobs, o.everyMs);
  o.log('cron: the same plans on bare setTimeout');
  const b = await measure(o.children, 'timers', o.jobs, o.everyMs);
  const n = o.jobs.toLocaleString('en-US');
  return [
    { figure: `Cron: RSS beyond idle with ${n} enabled jobs, MB (vs ${n} bare setTimeout timers)`, unit: 'MB', moltis: m.beyondIdleMb, baseline: b.beyondIdleMb, digits: 1 },
    { figure: `Cron: firing delay p99, ${n} jobs spread over ${o.everyMs / 1000} s (${m.spread.firings} firings), ms (vs bare setTimeout lateness)`, unit: 'ms', moltis: m.spread.p99Ms, baseline: b.spread.p99Ms, digits: 0 },
    { figure: `Cron: firing delay p99, ${n} jobs due at the same instant, ms (vs ${n} bare setTimeouts)`, unit: 'ms', moltis: m.burst.p99Ms, baseline: b.burst.p99Ms, digits: 0 },
  ];
}
