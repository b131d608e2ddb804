/**
 * When jobs fire. Cron expressions are parsed by croner (never by hand); `every` is anchored to
 * the job's creation (or last schedule change), so firings do not drift.
 */
import { Cron } from 'croner';
import { invalid } from './errors.js';
import type { Schedule } from './types.js';

/** How many upcoming firings of a cron expression are checked against the minimum interval. */
const INTERVAL_SAMPLES = 16;

/** A croner pattern (5 fields, or 6 with seconds) in an optional IANA zone; throws on a bad one. */
function pattern(expr: string, tz: string | undefined): Cron {
  return new Cron(expr, { mode: '5-or-6-parts', ...(tz ? { timezone: tz } : {}) });
}

/** Is `tz` an IANA zone this runtime knows? */
export function isTimeZone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; }
}

/** The first firing strictly after `after` (null: never again). `anchor` is where `every` counts from. */
export function nextRunAt(s: Schedule, after: number, anchor: number): number | null {
  if (s.kind === 'at') return s.at_ms > after ? s.at_ms : null;
  if (s.kind === 'every') {
    if (after < anchor) return anchor + s.every_ms;
    return anchor + (Math.floor((after - anchor) / s.every_ms) + 1) * s.every_ms;
  }
  return pattern(s.expr, s.tz).nextRun(new Date(after))?.getTime() ?? null;
}

/**
 * Checks a normalized schedule against the clock and `[cron] min_interval_secs`: an `at` in the
 * past, an expression croner refuses, an unknown zone, or firings closer than the minimum are
 * refused with the field named.
 */
export function checkSchedule(s: Schedule, now: number, minIntervalMs: number): void {
  const floor = `[cron] min_interval_secs = ${minIntervalMs / 1000}`;
  if (s.kind === 'at') {
    if (s.at_ms <= now) throw invalid('schedule.at_ms', `${new Date(s.at_ms).toISOString()} is in the past (now is ${new Date(now).toISOString()})`);
    return;
  }
  if (s.kind === 'every') {
    if (s.every_ms < minIntervalMs) throw invalid('schedule.every_ms', `${s.every_ms} ms is below ${floor}: use at least ${minIntervalMs}`);
    return;
  }
  if (s.tz !== undefined && !isTimeZone(s.tz)) throw invalid('schedule.tz', `unknown time zone "${s.tz}": use an IANA name like "Europe/Berlin" or "America/New_York"`);
  let runs: Date[];
  try { runs = pattern(s.expr, s.tz).nextRuns(INTERVAL_SAMPLES, new Date(now)); } catch (err) {
    throw invalid('schedule.expr', `invalid cron expression "${s.expr}": ${(err as Error).message.replace(/^CronPattern: /, '')} (5 fields "min hour day month weekday", or 6 with seconds first)`);
  }
  if (runs.length === 0) throw invalid('schedule.expr', `"${s.expr}" never fires`);
  // A seconds field or a dense list must not slip under the floor that `every` respects.
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]!.getTime() - runs[i - 1]!.getTime();
    if (gap < minIntervalMs) throw invalid('schedule.expr', `"${s.expr}" fires ${gap / 1000}s apart, below ${floor}`);
  }
}
