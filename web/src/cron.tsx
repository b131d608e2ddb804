/**
 * Cron: scheduled jobs with their schedule in words, next and last run, status, enable/disable,
 * run now, delete and history; a create form; live from the cron.* events.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Gateway } from './ws.js';
import { ErrorLine } from './util.js';
import { CronForm } from './cron-form.js';
import { relative, scheduleInWords, type Job, type Run } from './cron-words.js';

const CRON_EVENTS = ['cron.job.created', 'cron.job.updated', 'cron.job.removed', 'cron.run.started', 'cron.run.finished'];
interface Status { running: boolean; jobs: number; nextRunAtMs: number | null; minIntervalSecs: number; rateLimit: { max: number; windowSecs: number; remaining: number } }

function statusOf(j: Job): { text: string; cls: string } {
  if (j.state.paused) return { text: `paused: ${j.state.paused}`, cls: 'error' };
  if (j.state.running) return { text: 'running…', cls: 'muted' };
  if (!j.state.lastStatus) return { text: 'not run yet', cls: 'muted' };
  return { text: j.state.lastStatus + (j.state.lastError ? `: ${j.state.lastError}` : ''), cls: j.state.lastStatus === 'error' ? 'error' : j.state.lastStatus === 'ok' ? 'ok' : 'muted' };
}

function History({ gw, job }: { gw: Gateway; job: Job }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState('');
  // Reloaded whenever the job's state changes (a run started or finished).
  useEffect(() => { gw.request<{ runs: Run[] }>('cron.runs', { id: job.id, limit: 20 }).then((r) => setRuns(r.runs), (e: Error) => setError(e.message)); }, [job.state.lastRunAtMs, job.state.running, job.state.lastStatus]);
  return (
    <div class="history" data-testid={`history-${job.id}`}>
      <ErrorLine text={error} />
      {runs && runs.length === 0 && <p class="muted small">No runs yet.</p>}
      {runs && runs.length > 0 && (
        <table class="list"><thead><tr><th>started</th><th>trigger</th><th>status</th><th>ms</th><th>result</th></tr></thead>
          <tbody>{runs.map((r) => (
            <tr key={r.id}><td class="small">{new Date(r.startedAtMs).toLocaleString()}</td><td class="small">{r.trigger}</td>
              <td class={`small ${r.status === 'error' ? 'error' : ''}`}>{r.status}</td><td class="small">{r.durationMs ?? '—'}</td>
              <td class="small">{r.error ?? r.output ?? ''}</td></tr>
          ))}</tbody></table>
      )}
    </div>
  );
}

function JobRow({ gw, job, onError }: { gw: Gateway; job: Job; onError: (m: string) => void }) {
  const [confirm, setConfirm] = useState(false);
  const [open, setOpen] = useState(false);
  const act = (method: string, params: unknown) => gw.request(method, params).then(() => onError(''), (e: Error) => onError(e.message));
  const st = statusOf(job);
  return (
    <>
      <tr data-testid={`job-${job.id}`} data-name={job.name}>
        <td><strong>{job.name}</strong>{job.system && <span class="tag">system</span>}{!job.sandbox.enabled && <span class="tag danger" title="runs on the host">host</span>}
          <div class="muted small">{job.payload.kind === 'agentTurn' ? job.payload.message : job.payload.text}</div></td>
        <td class="small">{scheduleInWords(job.schedule)}</td>
        <td class="small">{job.enabled && job.state.nextRunAtMs ? <span title={new Date(job.state.nextRunAtMs).toLocaleString()}>{relative(job.state.nextRunAtMs)}</span> : '—'}</td>
        <td class="small">{job.state.lastRunAtMs ? <span title={new Date(job.state.lastRunAtMs).toLocaleString()}>{relative(job.state.lastRunAtMs)}</span> : '—'}</td>
        <td class={`small ${st.cls}`} data-testid="job-status">{st.text}</td>
        <td>
          <div class="row wrap">
            <label class="check small"><input type="checkbox" aria-label={`Enabled: ${job.name}`} checked={job.enabled} disabled={job.system}
              onChange={(e) => void act('cron.update', { id: job.id, patch: { enabled: (e.target as HTMLInputElement).checked } })} />on</label>
            <button class="small" disabled={!job.enabled || job.state.running || !!job.state.paused} onClick={() => void act('cron.run', { id: job.id })}>Run now</button>
            <button class="small" aria-expanded={open} onClick={() => setOpen(!open)}>History</button>
            {!job.system && (confirm
              ? <><button class="small danger" onClick={() => void act('cron.remove', { id: job.id })}>Confirm delete</button><button class="small" onClick={() => setConfirm(false)}>Keep</button></>
              : <button class="small danger" onClick={() => setConfirm(true)}>Delete</button>)}
          </div>
        </td>
      </tr>
      {open && <tr><td colSpan={6}><History gw={gw} job={job} /></td></tr>}
    </>
  );
}

export function Cron() {
  const gwRef = useRef<Gateway | null>(null);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState('');
  const [, tick] = useState(0);

  useEffect(() => {
    const gw = new Gateway();
    gwRef.current = gw;
    const load = async () => {
      const [l, s] = await Promise.all([gw.request<{ jobs: Job[] }>('cron.list'), gw.request<Status>('cron.status')]);
      setJobs(l.jobs);
      setStatus(s);
    };
    const off = gw.on((event, p) => {
      if (event === 'cron.job.created' || event === 'cron.job.updated') setJobs((js) => [...(js ?? []).filter((j) => j.id !== p.job.id), p.job as Job].sort((a, b) => a.createdAt - b.createdAt));
      else if (event === 'cron.job.removed') setJobs((js) => (js ?? []).filter((j) => j.id !== p.jobId));
      else if (event === 'cron.run.started') setJobs((js) => (js ?? []).map((j) => (j.id === p.jobId ? { ...j, state: { ...j.state, running: true } } : j)));
      else if (event === 'cron.run.finished') { void load().catch(() => undefined); return; }
      if (event.startsWith('cron.')) void gw.request<Status>('cron.status').then(setStatus, () => undefined);
    });
    gw.onClose = () => setError('connection lost: reload the page');
    gw.connect().then(async () => { await gw.request('subscribe', { events: CRON_EVENTS }); await load(); }).catch((e: Error) => setError(e.message));
    // Relative times ("in 4 min") stay current.
    const timer = setInterval(() => tick((n) => n + 1), 15_000);
    return () => { off(); clearInterval(timer); gw.close(); };
  }, []);

  const gw = gwRef.current;
  return (
    <main class="settings" data-screen="cron">
      <section class="panel" aria-labelledby="h-jobs">
        <h2 id="h-jobs">Scheduled jobs</h2>
        {status && (
          <p class="muted small" data-testid="cron-status">
            Scheduler {status.running ? 'running' : 'off'} · {status.jobs} job{status.jobs === 1 ? '' : 's'}
            {status.nextRunAtMs ? ` · next firing ${relative(status.nextRunAtMs)}` : ''} · {status.rateLimit.remaining} of {status.rateLimit.max} creations left in this {status.rateLimit.windowSecs} s window
          </p>
        )}
        <ErrorLine text={error} />
        <div class="scroll"><table class="list">
          <thead><tr><th>job</th><th>schedule</th><th>next run</th><th>last run</th><th>status</th><th></th></tr></thead>
          <tbody>
            {gw && (jobs ?? []).map((j) => <JobRow key={j.id} gw={gw} job={j} onError={setError} />)}
            {jobs && jobs.length === 0 && <tr><td class="muted" colSpan={6}>No jobs yet.</td></tr>}
          </tbody>
        </table></div>
      </section>
      {gw && status && <CronForm gw={gw} minIntervalSecs={status.minIntervalSecs} onCreated={(j) => setJobs((js) => [...(js ?? []).filter((x) => x.id !== j.id), j])} />}
    </main>
  );
}
