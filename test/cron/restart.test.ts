/**
 * Jobs survive a restart with their next firings; a firing missed while the gateway was down
 * runs once; revoking the creating key pauses its jobs at once (and aborts a running one), and
 * a key revoked while the gateway was stopped stops its jobs too.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { connect } from '../support/chat.js';
import type { WsClient } from '../support/ws.js';
import { atJob, ev, ok, providerToml, routedLlm } from './kit.js';

const llm = await routedLlm();
const TOML = providerToml(llm, '[heartbeat]\nenabled = false\n');
let dirs: TestServer['dirs'] | undefined;
let current: TestServer | null = null;
after(async () => {
  await current?.stop({ keepDirs: true });
  await llm.close();
  if (dirs) rmSync(dirs.root, { recursive: true, force: true });
});

/** Polls `cron.list` until `pred` holds for job `id` (bounded). */
async function until(c: WsClient, id: string, pred: (j: any) => boolean, ms = 15_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const j = (await ok(c, 'cron.list')).jobs.find((x: { id: string }) => x.id === id);
    if (j && pred(j)) return j;
    if (Date.now() > end) assert.fail(`job ${id} never reached the state; last: ${JSON.stringify(j)}`);
    await sleep(100);
  }
}

test('restart: jobs and next firings survive, missed firings run once, revoked creators\' jobs never run', async () => {
  let s = await startTestServer({ toml: TOML });
  current = s;
  dirs = s.dirs;
  const cookie = await setupPassword(s);
  const k1 = await createKey(s, cookie, ['operator.read', 'operator.write'], 'k1');
  const k2 = await createKey(s, cookie, ['operator.read', 'operator.write'], 'k2');
  const k3 = await createKey(s, cookie, ['operator.read', 'operator.write'], 'k3');
  const c1 = await connect(s, k1.key, ['cron.job.updated', 'cron.run.started', 'cron.run.finished']);
  const c2 = await connect(s, k2.key, []);
  const c3 = await connect(s, k3.key, []);
  const hourly = (await ok(c1, 'cron.add', { name: 'hourly', schedule: { kind: 'every', every_ms: 3_600_000 }, payload: { kind: 'agentTurn', message: 'hourly check' } })).job;
  const daily = (await ok(c1, 'cron.add', { name: 'daily', schedule: { kind: 'cron', expr: '30 6 * * *', tz: 'Europe/Berlin' }, payload: { kind: 'systemEvent', text: 'good morning' } })).job;
  const missed = (await ok(c1, 'cron.add', atJob('missed while down', 2500))).job;
  // A slow turn: revoking its key mid-run aborts it.
  llm.plan('revoked while running', { text: 'slowly…', chunks: 20, delayMs: 300 });
  const live = (await ok(c2, 'cron.add', { name: 'every minute', schedule: { kind: 'every', every_ms: 60_000 }, payload: { kind: 'agentTurn', message: 'revoked while running' } })).job;
  const offline = (await ok(c3, 'cron.add', atJob('revoked while stopped', 2500))).job;
  c3.close();

  // Revoked while its run is going: the turn is aborted, the job paused at once and says why.
  await ok(c2, 'cron.run', { id: live.id });
  await c1.next(ev('cron.run.started', (p) => p.jobId === live.id), 5000);
  const del = await fetch(`${s.url}/api/auth/api-keys/${k2.id}`, { method: 'DELETE', headers: { cookie } });
  assert.equal(del.status, 200);
  const paused = await c1.next(ev('cron.job.updated', (p) => p.job.id === live.id && p.job.state.paused), 5000);
  assert.match(paused.payload.job.state.paused, /revoked/);
  const aborted = await c1.next(ev('cron.run.finished', (p) => p.jobId === live.id), 5000);
  assert.equal(aborted.payload.status, 'error');
  assert.ok(aborted.payload.durationMs < 5000, 'the slow turn was cut short');
  assert.equal((await ok(c1, 'cron.status')).pausedJobs, 1);
  c1.close();
  await s.stop({ keepDirs: true });
  current = null;

  // Revoked while stopped (another process wrote the database).
  const db = new Database(join(dirs.dataDir, 'moltis.db'));
  db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(Date.now(), k3.id);
  db.close();
  await sleep(3000); // both `at` jobs fall due while the gateway is down

  s = await startTestServer({ toml: TOML, dirs });
  current = s;
  const c = await connect(s, k1.key, []);
  const jobs = (await ok(c, 'cron.list')).jobs as any[];
  const byId = (id: string) => jobs.find((j) => j.id === id);
  assert.equal(byId(hourly.id).state.nextRunAtMs, hourly.state.nextRunAtMs);
  assert.equal(byId(daily.id).state.nextRunAtMs, daily.state.nextRunAtMs);
  assert.deepEqual(byId(daily.id).schedule, { kind: 'cron', expr: '30 6 * * *', tz: 'Europe/Berlin' });
  assert.deepEqual(byId(daily.id).createdBy, { kind: 'apikey', method: 'api_key', apiKeyId: k1.id, via: 'rpc' });
  assert.match(byId(live.id).state.paused, /revoked/);
  // The missed firing runs once, after the restart.
  const done = await until(c, missed.id, (j) => j.state.lastStatus === 'ok');
  assert.equal(done.enabled, false);
  assert.equal(llm.sawUser('missed while down').length, 1);
  assert.equal((await ok(c, 'cron.runs', { id: missed.id })).runs.length, 1);
  // The job of the key revoked while stopped does not run: paused at its firing.
  const stopped = await until(c, offline.id, (j) => j.state.paused !== null);
  assert.match(stopped.state.paused, /revoked/);
  assert.equal(llm.sawUser('revoked while stopped').length, 0);
  assert.equal((await c.request('cron.run', { id: offline.id })).error?.code, 'FORBIDDEN');
  assert.ok(s.auth.auditList({ type: 'cron_job_updated' }).some((r) => r.detail?.includes(`job=${offline.id}`) && r.detail.includes('paused=')));
  c.close();
});
