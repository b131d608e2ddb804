import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AgentNotStarted, agentScript, createSessionAgent, startOciAgent, type AgentRun, type OciAgent } from './oci-agent.js';

// The agent protocol against a real /bin/sh agent on the host (what `podman exec -i` runs in the
// container); test/sandbox/oci.test.ts runs it in real containers.
const start = (): Promise<OciAgent> => startOciAgent({ file: '/bin/sh', args: ['-c', agentScript(false), 'moltis-agent'], env: { PATH: '/usr/bin:/bin' }, readyTimeoutMs: 10_000 });
const run = (a: OciAgent, command: string, over: Partial<AgentRun> = {}) =>
  a.run({ runId: randomBytes(6).toString('hex'), command, env: [], timeoutMs: 10_000, maxBytes: 65_536, onKill: () => {}, ...over });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('quotes, newlines, $(…) and backslashes in the command and env reach the command verbatim (no injection into the agent)', async () => {
  const a = await start();
  try {
    const value = `it's "q" $(echo INJECTED) \`echo BT\` \\ ;\nline2 '`;
    const command = `printf '[%s]\\n' "$A"\necho 'multi' "line" \\\\x\n# comment ' "\necho "$(echo sub)"`;
    const r = await run(a, command, { env: [`A=${value}`] });
    const direct = spawnSync('/bin/sh', ['-c', command], { env: { A: value, PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, direct.stdout);
    assert.ok(!r.stdout.includes('INJECTED\n') || direct.stdout.includes('INJECTED\n'));
  } finally { a.close(); }
});

test('exit codes, stderr and stdout of each run are its own; env does not leak into the next run', async () => {
  const a = await start();
  try {
    const one = await run(a, 'echo out; echo err >&2; echo "[$X]"; exit 7', { env: ['X=secret'] });
    assert.deepEqual([one.exitCode, one.stdout, one.stderr], [7, 'out\n[secret]\n', 'err\n']);
    const two = await run(a, 'echo "[$X]"');
    assert.deepEqual([two.exitCode, two.stdout, two.stderr], [0, '[]\n', '']);
    // stdin is /dev/null, never the agent's request stream.
    const three = await run(a, 'cat; echo done');
    assert.equal(three.stdout, 'done\n');
  } finally { a.close(); }
});

test('printing something shaped like the end marker does not end the run early', async () => {
  const a = await start();
  try {
    const fake = `${'0'.repeat(32)}:0`;
    const r = await run(a, `echo ${fake}; echo ${'0'.repeat(32)} >&2; sleep 0.3; echo real-end; exit 5`);
    assert.equal(r.exitCode, 5);
    assert.match(r.stdout, /real-end/);
  } finally { a.close(); }
});

test('output is capped per stream and the run still ends at its marker', async () => {
  const a = await start();
  try {
    const r = await run(a, 'yes | head -c 300000; yes e | head -c 200000 >&2; echo tail', { maxBytes: 1000 });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.length, 1000);
    assert.equal(r.stderr.length, 1000);
    assert.equal(r.truncated, true);
    assert.equal((await run(a, 'echo next')).stdout, 'next\n');
  } finally { a.close(); }
});

test('timeout: the killer is called, the run ends at once, and the agent takes nothing else until the command ended', async () => {
  const a = await start();
  try {
    let kills = 0;
    const t0 = Date.now();
    const r = await run(a, 'sleep 1; echo late', { timeoutMs: 200, onKill: () => { kills++; } });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.ok(Date.now() - t0 < 900, 'the run waited for the command');
    assert.equal(kills, 1);
    // No second command while the first still runs (its output must not be taken for the next one's).
    assert.equal(a.busy, true);
    await assert.rejects(run(a, 'echo x'), /not available/);
    for (let i = 0; i < 100 && a.busy; i++) await sleep(20);
    assert.equal(a.busy, false);
    const next = await run(a, 'echo next');
    assert.equal(next.stdout, 'next\n');
  } finally { a.close(); }
});

test('abort ends the run as aborted and calls the killer', async () => {
  const a = await start();
  try {
    const ac = new AbortController();
    let kills = 0;
    setTimeout(() => ac.abort(), 100);
    const r = await run(a, 'sleep 0.5', { signal: ac.signal, onKill: () => { kills++; } });
    assert.equal(r.aborted, true);
    assert.equal(kills, 1);
  } finally { a.close(); }
});

test('an agent killed by its command ends that run as killed and is never used again', async () => {
  const a = await start();
  try {
    const r = await run(a, 'kill -9 $PPID; sleep 1');
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(a.alive, false);
    await assert.rejects(run(a, 'echo again'), /not available/);
  } finally { a.close(); }
});

test('an agent that dies before it took the request says the command never started (so it may run elsewhere, once)', async () => {
  const a = await startOciAgent({ file: '/bin/sh', args: ['-c', 'echo moltis-agent-ready; read x; echo "$x" >&2; exit 0'], env: {}, readyTimeoutMs: 5000 });
  await assert.rejects(run(a, 'echo hi'), AgentNotStarted);
  assert.equal(a.alive, false);
});

test('session agent: one that cannot start is reported once and the CLI path is used; a dead one is replaced', async () => {
  const failed: string[] = [];
  const bad = createSessionAgent({ idleMs: 60_000, start: () => startOciAgent({ file: '/nonexistent/podman', args: [], env: {}, readyTimeoutMs: 5000 }), onStarted: () => {}, onFailed: (w) => failed.push(w) });
  assert.equal(await bad.get(), undefined);
  assert.equal(await bad.get(), undefined);
  assert.equal(failed.length, 1);
  const notReady = await startOciAgent({ file: '/bin/sh', args: ['-c', 'echo hello'], env: {}, readyTimeoutMs: 5000 }).then(() => 'ready', (e: Error) => e.message);
  assert.match(notReady, /said "hello|exited/);

  let starts = 0;
  const good = createSessionAgent({ idleMs: 60_000, start: () => { starts++; return start(); }, onStarted: () => {}, onFailed: () => {} });
  try {
    const first = await good.get();
    assert.ok(first);
    await run(first, 'kill -9 $PPID');
    const second = await good.get();
    assert.ok(second && second !== first && second.alive);
    assert.equal(starts, 2);
  } finally { good.stop(); }
});
