/**
 * Per-channel permission levels against a model that tries every tool, and session isolation
 * between chats and from the owner's own session. One gateway, three Telegram accounts
 * (read-only, execute, admin), a fake Bot API and the scripted model, all on loopback.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm, type RecordedRequest } from '../support/scripted-llm.js';
import { startFakeTelegram, type FakeTelegram, type TgUser } from '../support/fake-telegram.js';
import { connect, finalOrError } from '../support/chat.js';
import { WsClient, wsUrl, type Frame } from '../support/ws.js';
import type { ToolDefinition } from '../../src/agent/index.js';

const ALICE: TgUser = { id: 111, first_name: 'Alice' };
const BOB: TgUser = { id: 222, first_name: 'Bob' };
const TOKENS = { ro: '1:read-only-token', ex: '2:execute-token', ad: '3:admin-token' } as const;
const EVERYTHING = ['exec', 'web_fetch', 'current_time', 'admin_probe', 'sessions_peek'];

/** The workspace of a session's commands (none means nothing ever ran there). */
function workspace(s: TestServer, sessionKey: string): string {
  const root = join(s.dirs.dataDir, 'workspaces');
  const dir = existsSync(root) ? readdirSync(root).find((d) => d.startsWith(`${sessionKey.replace(/[^A-Za-z0-9_.-]/g, '_')}-`)) : undefined;
  return dir ? join(root, dir) : join(root, 'never-created');
}
const offered = (r: RecordedRequest): string[] => (r.body.tools ?? []).map((t: any) => t.function.name).sort();

describe('channel permission levels and isolation', () => {
  let llm: ScriptedLlm;
  let tg: FakeTelegram;
  let s: TestServer;
  let admin: WsClient;
  let approver: WsClient;
  let writer: WsClient;
  const ran = { admin_probe: 0, sessions_peek: 0 };
  const probes: ToolDefinition[] = [
    // Stands for configuration changes (identity, cron, approvals): needs admin scope.
    { name: 'admin_probe', description: 'Changes configuration.', scope: 'operator.admin', inputSchema: { type: 'object', properties: {} }, execute: () => { ran.admin_probe++; return { ok: true }; } },
    // Stands for a future read-scoped tool (e.g. reading other sessions): never offered below admin until policy/ lists it.
    { name: 'sessions_peek', description: 'Reads other sessions.', scope: 'operator.read', inputSchema: { type: 'object', properties: {} }, execute: () => { ran.sessions_peek++; return { sessions: [] }; } },
  ];

  /** One message from `who` to account `acct`; returns the model requests it caused and the reply. */
  async function ask(acct: keyof typeof TOKENS, who: TgUser, text: string, steps: Parameters<ScriptedLlm['script']>, replyText: string) {
    const from = llm.requests.length;
    llm.script(...steps);
    tg.say(TOKENS[acct], who, text);
    await tg.waitFor((c) => c.token === TOKENS[acct] && c.method === 'sendMessage' && c.params.text === replyText, 15_000);
    return llm.requests.slice(from).filter((r) => r.path === '/v1/chat/completions');
  }
  const tryEverything = (answer: string, command = 'echo ran > proof.txt'): Parameters<ScriptedLlm['script']> => [
    { toolCalls: EVERYTHING.map((name) => ({ name, arguments: name === 'exec' ? { command } : name === 'web_fetch' ? { url: 'http://127.0.0.1:1/' } : {} })) },
    { text: answer },
  ];

  before(async () => {
    llm = await startScriptedLlm();
    tg = await startFakeTelegram();
    for (const t of Object.values(TOKENS)) tg.addBot(t);
    s = await startTestServer({
      tools: probes,
      toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_timeout_secs = 10\n[channels]\nallow_private_api_urls = true\n`,
    });
    const cookie = await setupPassword(s);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
    // Approvals-only (it cannot subscribe; approval requests reach it anyway).
    approver = await WsClient.open(wsUrl(s.url));
    assert.equal((await approver.connect({ api_key: (await createKey(s, cookie, ['operator.approvals'])).key })).ok, true);
    writer = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['*']);
    const levels = { ro: 'read-only', ex: 'execute', ad: 'admin' } as const;
    for (const [acct, permission] of Object.entries(levels)) {
      const r = await admin.request('channels.add', { type: 'telegram', accountId: acct, config: { token: TOKENS[acct as keyof typeof TOKENS], api_base_url: tg.url, permission } });
      assert.equal(r.payload?.account?.state, 'running', JSON.stringify(r));
    }
    // Both senders write once (queued), then the owner approves them at the account's level.
    for (const acct of Object.keys(TOKENS) as Array<keyof typeof TOKENS>) {
      for (const who of [ALICE, BOB]) {
        tg.say(TOKENS[acct], who, 'hi');
        await admin.next((f: Frame) => f.event === 'channel.sender.pending' && f.payload.accountId === acct && f.payload.senderId === String(who.id));
        assert.equal((await admin.request('channels.senders.approve', { type: 'telegram', accountId: acct, senderId: String(who.id) })).ok, true);
      }
    }
  });
  after(async () => { admin.close(); approver.close(); writer.close(); await s.stop(); await tg.close(); await llm.close(); });

  test('read-only: no acting tool is offered; calls to them run nothing', async () => {
    const reqs = await ask('ro', ALICE, 'do everything', tryEverything('ro done'), 'ro done');
    assert.deepEqual(offered(reqs[0]!), ['current_time']);
    assert.equal(existsSync(join(workspace(s, 'telegram:ro:111'), 'proof.txt')), false, 'exec must not run');
    assert.deepEqual(ran, { admin_probe: 0, sessions_peek: 0 });
    // Seed "Identity Protection": read-only cannot even ask for a configuration change.
    assert.ok(!approver.frames.some((f) => f.event === 'exec.approval.requested'));
  });

  test('execute: exec is offered and waits for an approval only an operator.approvals connection can give', async () => {
    const from = llm.requests.length;
    llm.script(
      { toolCalls: [{ name: 'exec', arguments: { command: 'echo ran > proof.txt' } }] },
      { respond: (req) => ({ text: `result: ${req.body.messages.filter((m: any) => m.role === 'tool').at(-1).content}` }) },
    );
    tg.say(TOKENS.ex, ALICE, 'please write the proof');
    // Even a harmless echo waits for a human at this level (approval_mode is smart here).
    const req = await approver.next((f) => f.event === 'exec.approval.requested', 10_000);
    assert.equal(req.payload.sessionKey, 'telegram:ex:111');
    assert.equal(req.payload.command, 'echo ran > proof.txt');
    assert.deepEqual(offered(llm.requests[from]!), ['current_time', 'exec']);
    // The request never reaches non-approver connections, and they cannot answer it.
    assert.ok(!writer.frames.some((f) => f.event === 'exec.approval.requested'));
    assert.equal((await writer.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'approve' })).error?.code, 'UNAUTHORIZED');
    assert.equal(existsSync(join(workspace(s, 'telegram:ex:111'), 'proof.txt')), false, 'nothing runs before the approval');
    assert.equal((await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'approve' })).ok, true);
    await tg.waitFor((c) => c.token === TOKENS.ex && c.method === 'sendMessage' && String(c.params.text).startsWith('result:'), 15_000);
    assert.equal(readFileSync(join(workspace(s, 'telegram:ex:111'), 'proof.txt'), 'utf8'), 'ran\n');
    // The model that tries everything still gets nothing beyond exec.
    const reqs = await ask('ex', BOB, 'do everything', [
      { toolCalls: EVERYTHING.filter((n) => n !== 'exec').map((name) => ({ name, arguments: name === 'web_fetch' ? { url: 'http://127.0.0.1:1/' } : {} })) },
      { text: 'ex done' },
    ], 'ex done');
    assert.deepEqual(offered(reqs[0]!), ['current_time', 'exec']);
    assert.deepEqual(ran, { admin_probe: 0, sessions_peek: 0 });
  });

  test('admin: full tool set, approvals as configured (a safe command runs unasked)', async () => {
    approver.frames.length = 0;
    const reqs = await ask('ad', ALICE, 'do everything', tryEverything('ad done', 'echo admin-$((40+2))'), 'ad done');
    // Admin is full access, configuration included (the brief): scheduled jobs too.
    assert.deepEqual(offered(reqs[0]!), ['admin_probe', 'cron', 'current_time', 'exec', 'sessions_peek', 'web_fetch']);
    const results = reqs[1]!.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.content).join('\n');
    assert.match(results, /admin-42/);
    assert.deepEqual(ran, { admin_probe: 1, sessions_peek: 1 });
    assert.ok(!approver.frames.some((f) => f.event === 'exec.approval.requested'));
  });

  test('a sender level lowers the account level; it can never raise it', async () => {
    const up = await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'ro', senderId: '222', level: 'admin' });
    assert.equal(up.error?.code, 'INVALID_REQUEST');
    assert.equal((await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'ad', senderId: '222', level: 'read-only' })).ok, true);
    const reqs = await ask('ad', BOB, 'do everything', tryEverything('lowered done'), 'lowered done');
    assert.deepEqual(offered(reqs[0]!), ['current_time']);
    assert.equal(existsSync(join(workspace(s, 'telegram:ad:222'), 'proof.txt')), false);
  });

  test('isolation: a prompt in chat A sees neither chat B, nor the owner\'s session, nor USER.md', async () => {
    assert.equal((await admin.request('identity.update', { user: { name: 'Zaphod Ownername' } })).ok, true);
    // The owner's own session: USER.md is in its prompt (so the check below can fail).
    llm.script({ text: 'noted' });
    const main = await admin.request('chat.send', { sessionKey: 'main', text: 'my bank PIN is SECRET-MAIN-42' });
    await admin.next(finalOrError(main.payload.runId), 10_000);
    assert.match(JSON.stringify(llm.requests.at(-1)!.body.messages), /Zaphod Ownername/);
    await ask('ro', BOB, 'remember SECRET-B-77', [{ text: 'ok bob' }], 'ok bob');
    const reqs = await ask('ro', ALICE, 'what did the others say? list every session', [{ text: 'nothing to see' }], 'nothing to see');
    const seen = JSON.stringify(reqs[0]!.body);
    assert.ok(seen.includes('what did the others say'), 'the request is chat A\'s');
    for (const secret of ['SECRET-B-77', 'SECRET-MAIN-42', 'Zaphod Ownername']) assert.ok(!seen.includes(secret), `chat A saw ${secret}`);
    // Operators without admin see none of the channel sessions.
    const list = await writer.request('sessions.list', {});
    assert.ok(!list.payload.sessions.some((x: any) => /^(telegram|slack|channel):/.test(x.key)));
    assert.equal((await writer.request('chat.history', { sessionKey: 'telegram:ro:222' })).error?.code, 'NOT_FOUND');
    assert.equal((await writer.request('chat.send', { sessionKey: 'telegram:ro:222', text: 'inject' })).error?.code, 'NOT_FOUND');
    assert.equal((await writer.request('sessions.create', { key: 'telegram:ro:999' })).error?.code, 'FORBIDDEN');
  });
});

describe('channel commands without a sandbox', () => {
  test('even at admin level a channel\'s command never runs on the host', async () => {
    const llm = await startScriptedLlm();
    const tg = await startFakeTelegram();
    tg.addBot(TOKENS.ad);
    const s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_mode = "never"\n[tools.exec.sandbox]\nenabled = false\n[channels]\nallow_private_api_urls = true\n` });
    try {
      const cookie = await setupPassword(s);
      const admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
      assert.equal((await admin.request('channels.add', { type: 'telegram', accountId: 'ad', config: { token: TOKENS.ad, api_base_url: tg.url, permission: 'admin' } })).payload.account.state, 'running');
      tg.say(TOKENS.ad, ALICE, 'hi');
      await admin.next((f: Frame) => f.event === 'channel.sender.pending');
      assert.equal((await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'ad', senderId: '111' })).ok, true);
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo host > proof.txt' } }] }, { respond: (req) => ({ text: `tool: ${req.body.messages.filter((m: any) => m.role === 'tool').at(-1).content}` }) });
      tg.say(TOKENS.ad, ALICE, 'run it');
      const out = await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.text).startsWith('tool:'), 10_000);
      assert.match(out.params.text, /run only in a sandbox/);
      assert.equal(existsSync(join(workspace(s, 'telegram:ad:111'), 'proof.txt')), false);
      admin.close();
    } finally { await s.stop(); await tg.close(); await llm.close(); }
  });
});
