/**
 * The brief's creation limit and system jobs, attacked through RPC and through the model's
 * `cron` tool: the 11th creation in a window is refused everywhere; the model cannot make a
 * system job or take the heartbeat's id; the heartbeat keeps firing.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { connect, finalOrError } from '../support/chat.js';
import type { WsClient } from '../support/ws.js';
import { atJob, ev, ok, providerToml, routedLlm, toolResultAfter } from './kit.js';

let llm: Awaited<ReturnType<typeof routedLlm>>;
let s: TestServer;
let user: WsClient;
before(async () => {
  llm = await routedLlm();
  const root = mkdtempSync(join(tmpdir(), 'moltis-cron-'));
  const dirs = { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
  mkdirSync(dirs.dataDir, { recursive: true });
  writeFileSync(join(dirs.dataDir, 'HEARTBEAT.md'), 'heartbeat: anything to report?\n');
  s = await startTestServer({ dirs, toml: providerToml(llm, '[heartbeat]\nevery = "2s"\n') });
  const cookie = await setupPassword(s);
  user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['chat', 'cron.run.finished', 'cron.job.created']);
});
after(async () => {
  user.close();
  await s.stop();
  await llm.close();
  rmSync(s.dirs.root, { recursive: true, force: true });
});

/** The model calls the cron tool with `args` in session "main"; returns the tool's result. */
async function viaTool(userText: string, args: Record<string, unknown>): Promise<any> {
  llm.plan(userText, { toolCalls: [{ name: 'cron', arguments: args }] });
  const r = await user.request('chat.send', { sessionKey: 'main', text: userText });
  assert.equal(r.ok, true, JSON.stringify(r));
  await user.next(finalOrError(r.payload.runId), 15_000);
  return toolResultAfter(llm, userText);
}

test('system: true and the id __heartbeat__ are refused from the tool, naming the field; audited', async () => {
  const sys = await viaTool('make it a system job', { action: 'add', job: { ...atJob('x', 3_600_000), system: true } });
  assert.deepEqual([sys.code, sys.field], ['INVALID_REQUEST', 'system']);
  const hb = await viaTool('take the heartbeat id', { action: 'add', job: { ...atJob('x', 3_600_000), id: '__heartbeat__' } });
  assert.deepEqual([hb.code, hb.field], ['INVALID_REQUEST', 'id']);
  assert.match(hb.error, /reserved for system jobs/);
  const upd = await viaTool('silence the heartbeat', { action: 'update', id: '__heartbeat__', patch: { enabled: false } });
  assert.equal(upd.code, 'FORBIDDEN');
  const rm = await viaTool('remove the heartbeat', { action: 'remove', id: '__heartbeat__' });
  assert.equal(rm.code, 'FORBIDDEN');
  const audit = s.auth.auditList({ type: 'cron_job_refused' }).map((r) => r.detail ?? '');
  assert.ok(audit.some((d) => /field=system by=key:\d+ via=tool session=main tool_call=\S+/.test(d)), audit.join('\n'));
  assert.ok(audit.some((d) => d.startsWith('field=id ')));
});

test('the 11th creation within 60 s is refused with retryAfterMs, by RPC and by the tool; the heartbeat still fires', async () => {
  // Two slots went to the refused tool calls above: the limit counts attempts before validation.
  for (let i = 0; i < 8; i++) await ok(user, 'cron.add', atJob(`job ${i}`, 3_600_000));
  const r = await user.request('cron.add', atJob('one too many', 3_600_000));
  assert.equal(r.error?.code, 'RATE_LIMITED', JSON.stringify(r));
  assert.ok((r.error as { retryAfterMs?: number }).retryAfterMs! > 0 && (r.error as { retryAfterMs?: number }).retryAfterMs! <= 60_000);
  assert.match(r.error!.message, /rate_limit_max/);
  const t = await viaTool('schedule one more', { action: 'add', job: atJob('from the model', 3_600_000) });
  assert.equal(t.code, 'RATE_LIMITED', JSON.stringify(t));
  assert.ok(t.retryAfterMs > 0 && t.retryAfterMs <= 60_000);
  const jobs = (await ok(user, 'cron.list')).jobs as Array<{ id: string; system: boolean }>;
  assert.equal(jobs.filter((j) => !j.system).length, 8);
  assert.equal(s.auth.auditList({ type: 'cron_rate_limited' }).length, 2);
  // The system job is not subject to the limit: it keeps firing, with HEARTBEAT.md as its prompt.
  user.frames.length = 0;
  const fin = await user.next(ev('cron.run.finished', (p) => p.jobId === '__heartbeat__' && p.status === 'ok'), 15_000);
  assert.equal(fin.payload.status, 'ok');
  assert.ok(llm.sawUser('heartbeat: anything to report?').length >= 1);
  const status = await ok(user, 'cron.status');
  assert.deepEqual([status.jobs, status.systemJobs, status.rateLimit.remaining], [8, 1, 0]);
});
