/** Scheduled-job shapes as the gateway sends them, and how the Cron page puts them in words. */

export type Schedule = { kind: 'cron'; expr: string; tz?: string } | { kind: 'every'; every_ms: number } | { kind: 'at'; at_ms: number };
export interface Job {
  id: string; name: string; enabled: boolean; system: boolean; schedule: Schedule;
  payload: { kind: 'agentTurn'; message: string; model?: string } | { kind: 'systemEvent'; text: string };
  sandbox: { enabled: boolean; image?: string }; deleteAfterRun: boolean; createdAt: number; updatedAt: number;
  state: { nextRunAtMs: number | null; lastRunAtMs: number | null; lastStatus: 'ok' | 'error' | 'skipped' | null; lastError: string | null; lastDurationMs: number | null; running: boolean; paused: string | null };
  createdBy: { kind: string; apiKeyId?: number; via: string; sessionKey?: string };
  scopes: string[];
}
export interface Run { id: number; trigger: string; status: string; startedAtMs: number; durationMs: number | null; error: string | null; output: string | null }

const UNITS: Array<[number, string]> = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
/** "every 5 minutes", "daily at 09:30 (Europe/Berlin)", "once on 1/5/2030, 09:00". */
export function scheduleInWords(s: Schedule): string {
  if (s.kind === 'at') return `once, ${new Date(s.at_ms).toLocaleString()}`;
  if (s.kind === 'every') {
    for (const [ms, unit] of UNITS) if (s.every_ms % ms === 0) return s.every_ms === ms ? `every ${unit}` : `every ${plural(s.every_ms / ms, unit)}`;
    return `every ${s.every_ms} ms`;
  }
  const tz = s.tz ? ` (${s.tz})` : '';
  const f = s.expr.split(' ');
  // The common 5-field shapes in plain words; anything else is shown as the expression itself.
  if (f.length === 5) {
    const [min, hour, day, month, wd] = f as [string, string, string, string, string];
    const num = (v: string) => /^\d+$/.test(v);
    if (day === '*' && month === '*' && wd === '*') {
      if (hour === '*' && min === '*') return `every minute${tz}`;
      if (hour === '*' && /^\*\/\d+$/.test(min)) return `every ${plural(Number(min.slice(2)), 'minute')}${tz}`;
      if (hour === '*' && num(min)) return `hourly at minute ${min}${tz}`;
    }
    if (num(min) && num(hour) && day === '*' && month === '*' && (wd === '*' || wd === '1-5')) {
      return `${wd === '*' ? 'daily' : 'weekdays'} at ${hour.padStart(2, '0')}:${min.padStart(2, '0')}${tz}`;
    }
  }
  return `cron "${s.expr}"${tz}`;
}

/** "in 4 min" / "12 s ago", for a time near now. */
export function relative(ms: number, now = Date.now()): string {
  const d = Math.round((ms - now) / 1000);
  const a = Math.abs(d);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 172_800 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86_400)} d`;
  return d >= 0 ? `in ${text}` : `${text} ago`;
}
