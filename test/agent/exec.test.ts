/**
 * The exec tool with human approval, over real WebSockets: the scripted model asks for a command,
 * an approver approves / denies / modifies, and the right thing runs (or not).
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import type { WsClient, Frame } from '../support/ws.js';
import { connect, finalOrError, lastToolResult } from '../support/chat.js';

const toml = (llm: ScriptedLlm, extra = '') => `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n${extra}`;
const requested = (f: Frame) => f.type === 'event' && f.event === 'exec.approval.requested';

/** The workspace dir the session's commands ran in. */
function workspace(s: TestServer, sessionKey: string): string {
  const root = join(s.dirs.dataDir, 'workspaces');
  const dir = existsSync(root) ? readdirSync(root).find((d) => d.startsWith(`${sessionKey.replace(/[^A-Za-z0-9_.-]/g, '_')}-`)) : undefined;
  // No workspace yet means nothing ever ran in that session.
  return dir ? join(root, dir) : join(root, `${sessionKey}-never-created`);
}

describe('exec with approval', () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let user: WsClient;
  let approver: WsClient;
  let reader: WsClient;
  before(async () => {
    llm = await startScriptedLlm();
    s = await startTestServer({ toml: toml(llm, '[tools.exec]\napproval_timeout_secs = 2\n') });
    const cookie = await setupPassword(s);
    user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['chat', 'agent', 'exec.approval.requested']);
    approver = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.approvals'])).key, ['exec.approval.requested', 'exec.approval.resolved']);
    reader = await connect(s, (await createKey(s, cookie, ['operator.read'])).key, ['*']);
  });
  after(async () => { user.close(); approver.close(); reader.close(); await s.stop(); await llm.close(); });

  async function turn(sessionKey: string, command: string, answer: (req: Frame) => Promise<void>): Promise<Frame> {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command } }] }, { respond: (req) => ({ text: `tool said: ${req.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content}` }) });
    approver.frames.length = 0;
    const r = await user.request('chat.send', { sessionKey, text: 'please run it' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await answer(await approver.next(requested));
    return user.next(finalOrError(r.payload.runId), 10_000);
  }

  test('a safe command runs without asking', async () => {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo safe-$((6*7))' } }] }, { text: 'done' });
    const r = await user.request('chat.send', { sessionKey: 'safe', text: 'go' });
    // The server's first exec loads the shell grammar (it is not loaded at start-up).
    assert.equal((await user.next(finalOrError(r.payload.runId), 15_000)).payload.text, 'done');
    assert.equal(lastToolResult(llm).stdout, 'safe-42\n');
    assert.ok(!approver.frames.some(requested));
  });

  test('approve: the approver sees the request with its reason; the command runs; the result reaches the chat', async () => {
    const fin = await turn('approve', 'echo approved > out.txt && cat out.txt', async (req) => {
      assert.equal(req.payload.sessionKey, 'approve');
      assert.equal(req.payload.command, 'echo approved > out.txt && cat out.txt');
      assert.ok(req.payload.reason.length > 0);
      assert.ok(req.payload.expiresAt > Date.now());
      const ok = await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'approve' });
      assert.equal(ok.ok, true);
      const again = await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'approve' });
      assert.equal(again.error!.code, 'NOT_FOUND'); // single use
    });
    assert.match(fin.payload.text, /approved/);
    assert.equal(readFileSync(join(workspace(s, 'approve'), 'out.txt'), 'utf8'), 'approved\n');
  });

  test('deny: nothing runs, the model is told', async () => {
    const fin = await turn('deny', 'echo x > denied.txt', async (req) => {
      assert.equal((await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'deny' })).ok, true);
    });
    assert.match(fin.payload.text, /denied/);
    assert.equal(existsSync(join(workspace(s, 'deny'), 'denied.txt')), false);
  });

  test('modify: the edited command runs instead (after being checked again)', async () => {
    await turn('modify', 'echo original > a.txt', async (req) => {
      assert.equal((await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'modify', command: 'echo edited' })).ok, true);
    });
    assert.equal(lastToolResult(llm).stdout, 'edited\n');
    assert.equal(existsSync(join(workspace(s, 'modify'), 'a.txt')), false);
  });

  test('"remember for this session": the same command runs again unasked in that session only', async () => {
    await turn('remember', 'echo again >> log.txt', async (req) => {
      assert.equal((await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'approve', remember: 'session' })).ok, true);
    });
    approver.frames.length = 0;
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo again >> log.txt' } }] }, { text: 'ok' });
    const r = await user.request('chat.send', { sessionKey: 'remember', text: 'once more' });
    await user.next(finalOrError(r.payload.runId), 10_000);
    assert.ok(!approver.frames.some(requested), 'asked again for a remembered command');
    assert.equal(readFileSync(join(workspace(s, 'remember'), 'log.txt'), 'utf8'), 'again\nagain\n');
    // A different command, or the same command in another session, still asks.
    const other = await turn('remember-other', 'echo again >> log.txt', async (req) => {
      await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'deny' });
    });
    assert.match(other.payload.text, /denied/);
  });

  test('no answer → denied at the timeout', async () => {
    const fin = await turn('timeout', 'echo late > late.txt', async () => { /* silence */ });
    assert.match(fin.payload.text, /no answer within 2s/);
    assert.equal(existsSync(join(workspace(s, 'timeout'), 'late.txt')), false);
  });

  test('an operator.read connection never sees requests and cannot resolve', async () => {
    let id = '';
    await turn('reader', 'echo r > r.txt', async (req) => {
      id = req.payload.requestId;
      const r = await reader.request('exec.approval.resolve', { requestId: id, decision: 'approve' });
      assert.equal(r.error!.code, 'UNAUTHORIZED');
      await approver.request('exec.approval.resolve', { requestId: id, decision: 'deny' });
    });
    assert.ok(!reader.frames.some((f) => f.event?.startsWith('exec.approval')));
    assert.ok(s.auth.auditList({ type: 'approval_requested' }).length >= 4);
    assert.ok(s.auth.auditList({ type: 'approval_denied' }).length >= 2);
  });
});

describe('approval_mode = "never" and the dangerous-command floor (host execution)', () => {
  test('a floor command is still held; an allowlist entry lets it run', async () => {
    const llm = await startScriptedLlm();
    // The floor guards host execution; sandboxed commands are isolated instead (seed).
    const s = await startTestServer({ toml: toml(llm, '[tools.exec]\napproval_mode = "never"\napproval_timeout_secs = 1\nallowlist = ["git reset --hard"]\n[tools.exec.sandbox]\nenabled = false\n') });
    try {
      const cookie = await setupPassword(s);
      const user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write', 'operator.approvals'])).key, ['chat', 'exec.approval.requested']);
      // Status never claims isolation the host does not have.
      const st = (await user.request('sandbox.status', {})).payload;
      assert.deepEqual([st.backend, st.isolated, st.network, st.enabled], ['host', false, 'host', false]);
      // Held: rm -rf of the home dir is on the floor whatever the mode.
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'rm -rf ~' } }] }, { text: 'ok' });
      const r1 = await user.request('chat.send', { sessionKey: 'floor', text: 'clean up' });
      const req = await user.next((f) => f.event === 'exec.approval.requested');
      assert.equal(req.payload.rule !== undefined, true);
      await user.next(finalOrError(r1.payload.runId), 5000);
      assert.equal(lastToolResult(llm).status, 'denied');
      // Allowlisted floor command: runs (it fails outside a git repo, but it ran).
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'git reset --hard' } }] }, { text: 'ok' });
      const r2 = await user.request('chat.send', { sessionKey: 'floor', text: 'reset' });
      await user.next(finalOrError(r2.payload.runId), 5000);
      const res = lastToolResult(llm);
      assert.equal(res.status, 'completed');
      assert.notEqual(res.exitCode, null);
      // A non-floor command runs at once in never mode.
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo free > free.txt' } }] }, { text: 'ok' });
      const r3 = await user.request('chat.send', { sessionKey: 'floor', text: 'write' });
      await user.next(finalOrError(r3.payload.runId), 5000);
      assert.equal(lastToolResult(llm).status, 'completed');
      // The gateway's own files (identity, database) need a human even in never mode on the host.
      const soul = join(s.dirs.dataDir, 'SOUL.md');
      const before = readFileSync(soul, 'utf8');
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: `echo obey-me >> ${soul}` } }] }, { text: 'ok' });
      user.frames.length = 0;
      const r4 = await user.request('chat.send', { sessionKey: 'floor', text: 'tweak' });
      assert.match((await user.next((f) => f.event === 'exec.approval.requested')).payload.command, /SOUL\.md/);
      await user.next(finalOrError(r4.payload.runId), 5000);
      assert.equal(lastToolResult(llm).status, 'denied');
      assert.equal(readFileSync(soul, 'utf8'), before);
      user.close();
    } finally { await s.stop(); await llm.close(); }
  });
});

const HAVE_BWRAP = existsSync('/usr/bin/bwrap');

describe('approval_mode = "never" inside the sandbox (floor_in_sandbox, security_level)', { skip: HAVE_BWRAP ? false : 'bubblewrap is not installed (apt install bubblewrap)' }, () => {
  /** A gateway with a bwrap sandbox and `[tools.exec]` lines; a user that also approves. */
  async function gateway(execLines: string) {
    const llm = await startScriptedLlm();
    const s = await startTestServer({ toml: toml(llm, `[tools.exec]\napproval_mode = "never"\napproval_timeout_secs = 2\n${execLines}\n[tools.exec.sandbox]\nbackend = "bwrap"\n`) });
    const cookie = await setupPassword(s);
    const user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write', 'operator.approvals'])).key, ['chat', 'exec.approval.requested']);
    /** One turn running `command`; `answer` resolves the approval request, if one comes. */
    const run = async (sessionKey: string, command: string, answer?: 'approve' | 'deny') => {
      user.frames.length = 0;
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command } }] }, { text: 'ok' });
      const r = await user.request('chat.send', { sessionKey, text: 'go' });
      assert.equal(r.ok, true, JSON.stringify(r));
      let request: Frame | undefined;
      if (answer) {
        request = await user.next(requested, 10_000);
        await user.request('exec.approval.resolve', { requestId: request.payload.requestId, decision: answer });
      }
      await user.next(finalOrError(r.payload.runId), 20_000);
      return { result: lastToolResult(llm), request, asked: request !== undefined || user.frames.some(requested) };
    };
    return { s, llm, user, run, async close() { user.close(); await s.stop(); await llm.close(); } };
  }

  test('outside-effects (default): rm -rf / in bwrap asks for approval; a host-only rule runs unasked', async () => {
    const g = await gateway('');
    try {
      const st = (await g.user.request('sandbox.status', {})).payload;
      assert.deepEqual([st.backend, st.isolated, st.floorInSandbox], ['bwrap', true, 'outside-effects']);
      // Attack: before, this ran in the sandbox with no request (only rm's preserve-root stopped it).
      const root = await g.run('box', 'rm -rf /', 'deny');
      assert.equal(root.request!.payload.rule, 'rm-rf-root');
      assert.equal(root.result.status, 'denied');
      const push = await g.run('box', 'git push --force origin main', 'deny');
      assert.equal(push.request!.payload.rule, 'git-push-force');
      // crontab -r only touches the sandbox: exec runs it without asking (it fails: no crontab in there).
      const cron = await g.run('box', 'crontab -r; echo ran-$((40+2))');
      assert.equal(cron.asked, false);
      assert.equal(cron.result.status, 'completed');
      assert.match(cron.result.stdout, /ran-42/);
      // Approved, the floor command really runs in the sandbox (and changes nothing outside it).
      const approved = await g.run('box', 'rm -rf /workspace/* && echo wiped', 'approve');
      assert.equal(approved.request!.payload.rule, 'rm-rf-workspace');
      assert.equal(approved.result.status, 'completed');
      assert.ok(g.s.auth.auditList({ type: 'approval_requested' }).length >= 3);
    } finally { await g.close(); }
  });

  test('floor_in_sandbox = "all" keeps host-only rules too; security_level = "allowlist" runs only allowlisted commands', async () => {
    const g = await gateway('floor_in_sandbox = "all"\nsecurity_level = "allowlist"\nallowlist = ["echo listed"]');
    try {
      const listed = await g.run('al', 'echo listed');
      assert.deepEqual([listed.asked, listed.result.status, listed.result.stdout], [false, 'completed', 'listed\n']);
      const other = await g.run('al', 'echo other', 'deny');
      assert.match(other.request!.payload.reason, /allowlist/);
      const cron = await g.run('al', 'crontab -r', 'deny');
      assert.equal(cron.request!.payload.rule, 'crontab-remove');
    } finally { await g.close(); }
  });

  test('security_level = "deny" refuses every command without asking anyone', async () => {
    const g = await gateway('security_level = "deny"\nallowlist = ["echo hi"]');
    try {
      for (const cmd of ['echo hi', 'rm -rf /']) {
        const r = await g.run('deny', cmd);
        assert.equal(r.asked, false);
        assert.equal(r.result.status, 'denied');
        assert.match(r.result.reason, /security_level is "deny"/);
      }
      assert.equal(g.s.auth.auditList({ type: 'exec_run' }).length, 0);
      assert.equal(g.s.auth.auditList({ type: 'exec_denied' }).length, 2);
    } finally { await g.close(); }
  });
});
