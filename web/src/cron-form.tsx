/** Cron > New job: the create form, checked here first and then by the gateway (which names the field). */
import { useState } from 'preact/hooks';
import type { Gateway } from './ws.js';
import type { Job } from './cron-words.js';

type Kind = 'every' | 'cron' | 'at';
const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Client-side checks: the first problem, with the field it belongs to. */
function check(f: { name: string; kind: Kind; every: string; unit: keyof typeof UNIT_MS; expr: string; at: string; message: string }, minIntervalSecs: number): [string, string] | null {
  if (!f.name.trim()) return ['name', 'Give the job a name.'];
  if (f.kind === 'every' && !(Number(f.every) > 0)) return ['every', 'The interval must be a positive number.'];
  if (f.kind === 'every' && Number(f.every) * UNIT_MS[f.unit] < minIntervalSecs * 1000) return ['every', `The interval must be at least ${minIntervalSecs} s ([cron] min_interval_secs).`];
  if (f.kind === 'cron' && ![5, 6].includes(f.expr.trim().split(/\s+/).filter(Boolean).length)) return ['expr', 'A cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first.'];
  if (f.kind === 'at' && !(Date.parse(f.at) > Date.now())) return ['at', 'Pick a time in the future.'];
  if (!f.message.trim()) return ['message', 'Say what the agent should do.'];
  return null;
}

/** The create form; `onCreated` gets the new job. */
export function CronForm({ gw, minIntervalSecs, onCreated }: { gw: Gateway; minIntervalSecs: number; onCreated: (j: Job) => void }) {
  const [f, setF] = useState({ name: '', kind: 'every' as Kind, every: '60', unit: 'minutes' as keyof typeof UNIT_MS, expr: '0 9 * * 1-5', tz: localZone(), at: '', message: '', deleteAfterRun: false, sandbox: true, image: '' });
  const [problem, setProblem] = useState<[string, string] | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setF({ ...f, [k]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const invalid = (field: string) => (problem?.[0] === field ? { 'aria-invalid': true as const } : {});

  const submit = async (e: Event) => {
    e.preventDefault();
    const local = check(f, minIntervalSecs);
    if (local) { setProblem(local); return; }
    const schedule = f.kind === 'every' ? { kind: 'every', every_ms: Math.round(Number(f.every) * UNIT_MS[f.unit]) }
      : f.kind === 'cron' ? { kind: 'cron', expr: f.expr.trim(), ...(f.tz.trim() ? { tz: f.tz.trim() } : {}) }
        : { kind: 'at', at_ms: Date.parse(f.at) };
    setBusy(true);
    try {
      const r = await gw.request<{ job: Job }>('cron.add', {
        name: f.name.trim(), schedule, payload: { kind: 'agentTurn', message: f.message },
        deleteAfterRun: f.deleteAfterRun, sandbox: { enabled: f.sandbox, ...(f.image.trim() ? { image: f.image.trim() } : {}) },
      });
      setProblem(null);
      setF({ ...f, name: '', message: '' });
      onCreated(r.job);
    } catch (err) {
      // The gateway's message starts with the field it refuses ("schedule.every_ms: …").
      const msg = (err as Error).message;
      const field = /^([a-z_.A-Z]+):/.exec(msg)?.[1] ?? '';
      const map: Record<string, string> = { 'schedule.every_ms': 'every', 'schedule.expr': 'expr', 'schedule.tz': 'tz', 'schedule.at_ms': 'at', 'payload.message': 'message', name: 'name', 'sandbox.enabled': 'sandbox', 'sandbox.image': 'image' };
      setProblem([map[field] ?? 'form', msg]);
    } finally { setBusy(false); }
  };

  const note = (field: string) => (problem?.[0] === field ? <span class="error small" role="alert" data-testid={`error-${field}`}>{problem[1]}</span> : null);
  return (
    <form class="panel" aria-labelledby="h-new-job" onSubmit={(e) => void submit(e)} noValidate>
      <h2 id="h-new-job">New job</h2>
      <label>Name<input value={f.name} onInput={set('name')} {...invalid('name')} />{note('name')}</label>
      <fieldset>
        <legend>When</legend>
        <div class="row wrap">
          {(['every', 'cron', 'at'] as Kind[]).map((k) => (
            <label class="check" key={k}><input type="radio" name="kind" value={k} checked={f.kind === k} onChange={set('kind')} />{k === 'every' ? 'Every' : k === 'cron' ? 'Cron expression' : 'Once at'}</label>
          ))}
        </div>
        {f.kind === 'every' && (
          <div class="row">
            <input aria-label="Interval" type="number" min="1" value={f.every} onInput={set('every')} {...invalid('every')} />
            <select aria-label="Unit" value={f.unit} onChange={set('unit')}><option value="minutes">minutes</option><option value="hours">hours</option><option value="days">days</option></select>
          </div>
        )}
        {f.kind === 'cron' && (
          <div class="row wrap">
            <input aria-label="Cron expression" value={f.expr} onInput={set('expr')} {...invalid('expr')} />
            <input aria-label="Time zone" value={f.tz} onInput={set('tz')} {...invalid('tz')} />
          </div>
        )}
        {f.kind === 'at' && <input aria-label="Run at" type="datetime-local" value={f.at} onInput={set('at')} {...invalid('at')} />}
        {note('every')}{note('expr')}{note('tz')}{note('at')}
        <p class="muted small">Jobs fire at most once every {minIntervalSecs} s; a job never overlaps itself.</p>
      </fieldset>
      <label>What should the agent do?<textarea rows={3} value={f.message} onInput={set('message')} {...invalid('message')} />{note('message')}</label>
      <label class="check"><input type="checkbox" checked={f.deleteAfterRun} onChange={set('deleteAfterRun')} />Delete the job after a successful run</label>
      <label class="check"><input type="checkbox" checked={f.sandbox} onChange={set('sandbox')} />Run its commands in the sandbox <span class="muted small">(turning this off needs an admin)</span></label>
      {note('sandbox')}
      <label>Sandbox image <span class="muted small">(optional)</span><input value={f.image} onInput={set('image')} {...invalid('image')} />{note('image')}</label>
      {note('form')}
      <button class="primary" type="submit" disabled={busy}>Create job</button>
    </form>
  );
}
