import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CronError } from './errors.js';
import { HEARTBEAT_SCOPES } from './heartbeat.js';
import { everyJob, kit, owner, rpcKey, toolKey, WRITE } from './test-kit.js';
import { HEARTBEAT_ID } from './types.js';

const refusal = (fn: () => unknown): CronError => {
  try { fn(); } catch (err) { assert.ok(err instanceof CronError, String(err)); return err; }
  assert.fail('expected a refusal');
};
const FAST = '[cron]\nmin_interval_secs = 1\n[heartbeat]\nenabled = false\n';

describe('creating jobs', () => {
  test('add: an id from the gateway, creator and scopes recorded, next firing set, event + audit naming who', () => {
    const k = kit();
    const job = k.cron.add(everyJob(), toolKey(2, WRITE));
    assert.equal(job.id, 'job-1');
    assert.equal(job.system, false);
    assert.deepEqual(job.scopes, WRITE);
    assert.deepEqual(job.createdBy, { kind: 'apikey', method: 'api_key', apiKeyId: 2, via: 'tool', sessionKey: 'main', toolCallId: 'call_1' });
    assert.equal(job.state.nextRunAtMs, k.clock.now() + 60_000);
    assert.deepEqual(job.sandbox, { enabled: true });
    assert.deepEqual(k.events.find((e) => e.event === 'cron.job.created')!.payload.job, job);
    assert.match(k.audits.find((a) => a.type === 'cron_job_created' && a.detail.startsWith('job=job-1'))!.detail, /job=job-1 .*by=key:2 via=tool session=main tool_call=call_1 scopes=operator\.read,operator\.write sandbox=on/);
    assert.equal(k.store.cron.get('job-1')!.name, 'tick');
  });

  test('rate limit: the 11th add within the window is refused with retryAfterMs, counted before validation, audited', async () => {
    const k = kit();
    for (let i = 0; i < 9; i++) k.cron.add(everyJob(), rpcKey(1, WRITE));
    // An invalid request still takes a slot: probing cannot be used to flood.
    assert.equal(refusal(() => k.cron.add({ ...everyJob(), system: true }, toolKey(1, WRITE))).code, 'INVALID_REQUEST');
    await k.clock.advance(20_000);
    const e = refusal(() => k.cron.add(everyJob(), toolKey(1, WRITE)));
    assert.equal(e.code, 'RATE_LIMITED');
    assert.equal(e.retryAfterMs, 40_000);
    assert.equal(k.cron.list().filter((j) => !j.system).length, 9);
    assert.match(k.audits.find((a) => a.type === 'cron_rate_limited')!.detail, /by=key:1 via=tool .*retry_after_ms=40000/);
    await k.clock.advance(40_000);
    k.cron.add(everyJob(), rpcKey(1, WRITE));
  });

  test('the brief\'s tightened limit (5 per 300 s) works', async () => {
    const k = kit('[cron]\nrate_limit_max = 5\nrate_limit_window_secs = 300\n');
    for (let i = 0; i < 5; i++) k.cron.add(everyJob(), rpcKey(1, WRITE));
    assert.equal(refusal(() => k.cron.add(everyJob(), rpcKey(1, WRITE))).retryAfterMs, 300_000);
    await k.clock.advance(300_000);
    k.cron.add(everyJob(), rpcKey(1, WRITE));
  });

  test('refused: system, reserved ids, past at, unknown tz, bad expression, interval below the floor, max_jobs — nothing created', () => {
    const k = kit('[cron]\nmax_jobs = 2\nrate_limit_max = 100\n');
    const cases: Array<[unknown, string]> = [
      [{ ...everyJob(), system: true }, 'system'],
      [{ ...everyJob(), id: '__heartbeat__' }, 'id'],
      [everyJob(59_000), 'schedule.every_ms'],
      [{ ...everyJob(), schedule: { kind: 'at', at_ms: k.clock.now() - 1 } }, 'schedule.at_ms'],
      [{ ...everyJob(), schedule: { kind: 'cron', expr: '0 9 * * *', tz: 'Nowhere/City' } }, 'schedule.tz'],
      [{ ...everyJob(), schedule: { kind: 'cron', expr: 'every morning' } }, 'schedule.expr'],
    ];
    for (const [input, field] of cases) {
      const e = refusal(() => k.cron.add(input, rpcKey(1, WRITE)));
      assert.equal(e.field, field, e.message);
      assert.ok(e.message.startsWith(`${field}:`), e.message);
    }
    assert.equal(k.events.length, 0);
    assert.equal(k.audits.filter((a) => a.type === 'cron_job_refused').length, 2);
    k.cron.add(everyJob(), rpcKey(1, WRITE));
    k.cron.add(everyJob(), rpcKey(1, WRITE));
    const full = refusal(() => k.cron.add(everyJob(), rpcKey(1, WRITE)));
    assert.equal(full.code, 'CONFLICT');
    assert.match(full.message, /max_jobs = 2/);
  });

  test('sandbox off: refused from the model and from a write key, accepted from an admin over RPC', () => {
    const k = kit();
    const off = everyJob(60_000, { sandbox: { enabled: false } });
    assert.equal(refusal(() => k.cron.add(off, toolKey(1, ['operator.admin']))).field, 'sandbox.enabled');
    assert.equal(refusal(() => k.cron.add(off, rpcKey(1, WRITE))).code, 'FORBIDDEN');
    assert.equal(k.cron.add(off, owner).sandbox.enabled, false);
    assert.equal(k.audits.filter((a) => a.type === 'cron_job_refused').length, 2);
  });

  test('a config default of "sandbox off" never gives host execution to someone who could not ask for it', () => {
    const k = kit('[cron.job.sandbox]\nenabled = false\n');
    assert.equal(k.cron.add(everyJob(), toolKey(1, ['operator.admin', 'operator.write'])).sandbox.enabled, true);
    assert.equal(k.cron.add(everyJob(), rpcKey(1, WRITE)).sandbox.enabled, true);
    assert.equal(k.cron.add(everyJob(), owner).sandbox.enabled, false);
  });
});

describe('changing jobs', () => {
  test('a weaker caller cannot update, remove or steer a stronger job; the model cannot touch a host job', () => {
    const k = kit();
    const strong = k.cron.add(everyJob(), owner);
    assert.equal(refusal(() => k.cron.update(strong.id, { payload: { message: 'rm -rf ~' } }, rpcKey(2, WRITE))).code, 'FORBIDDEN');
    assert.equal(refusal(() => k.cron.remove(strong.id, toolKey(2, WRITE))).code, 'FORBIDDEN');
    const host = k.cron.add(everyJob(60_000, { sandbox: { enabled: false } }), owner);
    assert.equal(refusal(() => k.cron.update(host.id, { name: 'x' }, toolKey(0, [...owner.scopes]))).code, 'FORBIDDEN');
    const weak = k.cron.add(everyJob(), rpcKey(2, WRITE));
    assert.equal(refusal(() => k.cron.update(weak.id, { sandbox: { enabled: false } }, rpcKey(2, WRITE))).field, 'patch.sandbox.enabled');
    const updated = k.cron.update(weak.id, { name: 'renamed', schedule: { every_ms: 120_000 } }, rpcKey(2, WRITE));
    assert.equal(updated.name, 'renamed');
    assert.equal(updated.state.nextRunAtMs, k.clock.now() + 120_000);
    assert.match(k.audits.filter((a) => a.type === 'cron_job_updated').at(-1)!.detail, /by=key:2 via=rpc changed=name,schedule/);
    assert.deepEqual(k.cron.remove(weak.id, owner), { removed: true, jobId: weak.id });
    assert.deepEqual(k.events.at(-1), { event: 'cron.job.removed', payload: { jobId: weak.id } });
    assert.equal(k.store.cron.get(weak.id), undefined);
  });

  test('system jobs: made by config only, listed, never updated or removed through RPC or the tool', () => {
    const k = kit();
    const hb = k.cron.list().find((j) => j.id === HEARTBEAT_ID)!;
    assert.equal(hb.system, true);
    assert.deepEqual(hb.schedule, { kind: 'every', every_ms: 1_800_000 });
    assert.deepEqual(hb.scopes, [...HEARTBEAT_SCOPES]);
    for (const fn of [() => k.cron.update(HEARTBEAT_ID, { enabled: false }, owner), () => k.cron.remove(HEARTBEAT_ID, owner)]) {
      const e = refusal(fn);
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /system job/);
    }
    assert.equal(k.cron.status().jobs, 0);
    assert.equal(k.cron.status().systemJobs, 1);
  });
});

describe('firing', () => {
  test('a job fires in its own session with its creator\'s scopes and identity; the run is recorded; missed slots collapse', async () => {
    const k = kit(FAST);
    const job = k.cron.add(everyJob(1000), toolKey(2, WRITE));
    await k.clock.advance(1000);
    assert.equal(k.calls.length, 1);
    const c = k.calls[0]!;
    assert.deepEqual([c.sessionKey, c.text, c.scopes, c.identity], [`cron:${job.id}`, 'do the thing', WRITE, { method: 'api_key', scopes: WRITE, apiKeyId: 2 }]);
    const runs = k.cron.runs(job.id);
    assert.deepEqual([runs[0]!.status, runs[0]!.output, runs[0]!.trigger], ['ok', 'done', 'schedule']);
    assert.ok(k.events.some((e) => e.event === 'cron.run.started' && e.payload.jobId === job.id));
    assert.deepEqual(k.events.find((e) => e.event === 'cron.run.finished')!.payload, { jobId: job.id, runId: runs[0]!.id, status: 'ok', durationMs: 0 });
    // Downtime of 50 intervals: one catch-up run, then back on the grid.
    k.clock.jump(50_000);
    await k.clock.advance(0);
    assert.equal(k.calls.length, 2);
    assert.equal(k.cron.get(job.id)!.state.nextRunAtMs, Date.UTC(2030, 0, 1) + 52_000);
  });

  test('no overlap: a firing while the previous run is going is skipped and recorded', async () => {
    const k = kit(FAST);
    let release!: () => void;
    k.behave = () => new Promise((r) => { release = () => r({ status: 'ok' }); });
    const job = k.cron.add(everyJob(1000), rpcKey(1, WRITE));
    await k.clock.advance(2000);
    assert.equal(k.calls.length, 1);
    assert.deepEqual(k.cron.runs(job.id).map((r) => r.status), ['skipped', 'running']);
    assert.match(k.cron.runs(job.id)[0]!.error!, /previous run is still going/);
    assert.equal(k.cron.get(job.id)!.state.running, true);
    assert.equal(refusal(() => k.cron.run(job.id, owner)).code, 'CONFLICT');
    release();
    await k.clock.advance(0);
    assert.equal(k.cron.runs(job.id).at(-1)!.status, 'ok');
  });

  test('history is bounded: the newest max_runs_per_job runs are kept', async () => {
    const k = kit('[cron]\nmin_interval_secs = 1\nmax_runs_per_job = 3\n[heartbeat]\nenabled = false\n');
    const job = k.cron.add(everyJob(1000), rpcKey(1, WRITE));
    for (let i = 0; i < 5; i++) await k.clock.advance(1000);
    assert.equal(k.calls.length, 5);
    const runs = k.cron.runs(job.id, 100);
    assert.equal(runs.length, 3);
    assert.deepEqual(runs.map((r) => r.startedAtMs), [5000, 4000, 3000].map((d) => Date.UTC(2030, 0, 1) + d));
  });

  test('a stuck run is aborted at run_timeout_secs and marked failed', async () => {
    const k = kit('[cron]\nmin_interval_secs = 1\nrun_timeout_secs = 5\n[heartbeat]\nenabled = false\n');
    let signal: AbortSignal | undefined;
    k.behave = (r) => { signal = r.signal; return new Promise(() => { /* never */ }); };
    const job = k.cron.add(everyJob(60_000), rpcKey(1, WRITE));
    await k.clock.advance(60_000);
    await k.clock.advance(5000);
    assert.equal(signal!.aborted, true);
    const run = k.cron.runs(job.id)[0]!;
    assert.equal(run.status, 'error');
    assert.match(run.error!, /still running after 5s.*run_timeout_secs/);
    assert.equal(k.cron.get(job.id)!.state.lastStatus, 'error');
  });

  test('a job whose creating key is dead does not run: paused, status says why', async () => {
    const k = kit(FAST);
    const job = k.cron.add(everyJob(1000), rpcKey(3, WRITE));
    k.live.delete(3);
    await k.clock.advance(1000);
    assert.equal(k.calls.length, 0);
    const j = k.cron.get(job.id)!;
    assert.match(j.state.paused!, /revoked/);
    assert.equal(j.state.nextRunAtMs, null);
    assert.ok(k.events.some((e) => e.event === 'cron.job.updated' && e.payload.job.state.paused));
    assert.equal(refusal(() => k.cron.run(job.id, owner)).code, 'FORBIDDEN');
    assert.equal(k.cron.status().pausedJobs, 1);
  });

  test('pauseWhere: a revocation pauses exactly the jobs of that credential', () => {
    const k = kit();
    const a = k.cron.add(everyJob(), rpcKey(1, WRITE));
    const b = k.cron.add(everyJob(), rpcKey(2, WRITE));
    const o = k.cron.add(everyJob(), owner);
    assert.equal(k.cron.pauseWhere((id) => id.apiKeyId === 1, 'key_revoked'), 1);
    assert.deepEqual([a, b, o].map((j) => k.cron.get(j.id)!.state.paused !== null), [true, false, false]);
  });

  test('at: fires once; deleteAfterRun removes it (event), otherwise it is disabled and kept with its run', async () => {
    const k = kit(FAST);
    const once = k.cron.add({ ...everyJob(), schedule: { kind: 'at', at_ms: k.clock.now() + 1000 } }, rpcKey(1, WRITE));
    const gone = k.cron.add({ ...everyJob(), schedule: { kind: 'at', at_ms: k.clock.now() + 1000 }, deleteAfterRun: true }, rpcKey(1, WRITE));
    await k.clock.advance(1000);
    assert.equal(k.calls.length, 2);
    assert.equal(k.cron.get(gone.id), null);
    assert.ok(k.events.some((e) => e.event === 'cron.job.removed' && e.payload.jobId === gone.id));
    const kept = k.cron.get(once.id)!;
    assert.deepEqual([kept.enabled, kept.state.nextRunAtMs, kept.state.lastStatus], [false, null, 'ok']);
    assert.equal(k.cron.runs(once.id).length, 1);
    assert.equal(refusal(() => k.cron.run(once.id, owner)).code, 'CONFLICT'); // disabled: no force
  });

  test('heartbeat: no model call while HEARTBEAT.md is empty; its text otherwise, with the heartbeat scopes', async () => {
    const k = kit('[heartbeat]\nevery = "10s"\n');
    await k.clock.advance(10_000);
    assert.equal(k.calls.length, 0);
    assert.match(k.cron.runs(HEARTBEAT_ID)[0]!.error!, /HEARTBEAT\.md is missing or empty/);
    k.prompt = 'check the mail';
    await k.clock.advance(10_000);
    assert.deepEqual([k.calls[0]!.text, k.calls[0]!.identity, k.calls[0]!.scopes], ['check the mail', null, [...HEARTBEAT_SCOPES]]);
  });

  test('restart: jobs and next firings survive; a run cut short is marked failed', async () => {
    const k = kit(FAST);
    k.behave = () => new Promise(() => { /* still running at the restart */ });
    const job = k.cron.add(everyJob(1000), rpcKey(1, WRITE));
    await k.clock.advance(1000);
    const next = k.cron.get(job.id)!.state.nextRunAtMs;
    k.restart();
    assert.equal(k.cron.get(job.id)!.state.nextRunAtMs, next);
    assert.deepEqual(k.cron.runs(job.id).map((r) => [r.status, r.error]), [['error', 'interrupted: the gateway stopped']]);
    k.behave = async () => ({ status: 'ok' });
    await k.clock.advance(1000);
    assert.equal(k.cron.runs(job.id)[0]!.status, 'ok');
  });

  test('status: scheduler state, counts, next firing, remaining creations', () => {
    const k = kit('[heartbeat]\nenabled = false\n');
    const j = k.cron.add(everyJob(), rpcKey(1, WRITE));
    const s = k.cron.status();
    assert.deepEqual([s.running, s.jobs, s.nextJobId, s.nextRunAtMs, s.rateLimit.remaining], [true, 1, j.id, j.state.nextRunAtMs, 9]);
  });
});
