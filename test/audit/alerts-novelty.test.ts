/**
 * Two alert signals over the real gateway: exec.unusual_command for a program never seen before in
 * a session family (model tool calls through the scripted model), and channels.unexpected_sender
 * for a message from a Telegram group nobody approved (a fake Bot API server on loopback). Each
 * stays quiet on a baseline of the same kind of traffic.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { startFakeTelegram, type FakeTelegram, type TgUser } from '../support/fake-telegram.js';
import type { WsClient } from '../support/ws.js';
import { connect, execTurn } from '../support/chat.js';

const TOKEN = '123456:novelty-token-aaaa';
const ALICE: TgUser = { id: 111, first_name: 'Alice', username: 'alice' };
const GROUP = { id: -700, type: 'group' as const, title: 'Strangers' };

describe('novelty and group alerts over the real gateway', () => {
  let llm: ScriptedLlm;
  let tg: FakeTelegram;
  let s: TestServer;
  let user: WsClient;
  let approver: WsClient;
  let admin: WsClient;
  before(async () => {
    llm = await startScriptedLlm();
    tg = await startFakeTelegram();
    tg.addBot(TOKEN, { id: 9100, username: 'novelty_bot' });
    // A short learning period so the test need not wait a day: 4 commands, no minimum age.
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_timeout_secs = 5\n[channels]\nallow_private_api_urls = true\n[monitoring]\nunusual_commands_learning_hours = 0\nunusual_commands_learning_runs = 4\n` });
    const cookie = await setupPassword(s);
    user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['chat', 'security.alert']);
    approver = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.approvals'])).key, ['exec.approval.requested']);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
  });
  after(async () => { user.close(); approver.close(); admin.close(); await s.stop(); await tg.close(); await llm.close(); });

  /** One model turn running `command`; any approval it needs is granted. */
  const turn = (sessionKey: string, command: string) => execTurn({ llm, user, approver }, sessionKey, command, 'approve');
  const alerts = (rule: string) => s.store.securityAlerts.list({ limit: 100 }).filter((a) => a.rule === rule);

  test('exec.unusual_command: the usual programs stay quiet; a program new to the family fires (info) and is published', async () => {
    // Baseline: the family learns, then repeats what it knows, across its sessions.
    for (const [session, cmd] of [['work', 'echo hello'], ['work', 'ls -la'], ['other', 'echo again && ls'], ['work', 'date'], ['other', 'ls && echo x'], ['work', 'echo done; date']]) await turn(session!, cmd!);
    assert.deepEqual(alerts('exec.unusual_command'), [], 'a quiet baseline raised exec.unusual_command');
    await turn('work', 'uname -a');
    const [a] = alerts('exec.unusual_command');
    assert.ok(a, 'a program never run before raised nothing');
    assert.equal(a.severity, 'info');
    assert.match(a.summary, /"uname" never run before in session family main/);
    await user.next((f) => f.event === 'security.alert' && f.payload.id === a.id);
    await turn('work', 'uname -r');
    assert.equal(alerts('exec.unusual_command').length, 1, 'a known program fired again');
  });

  test('channels.unexpected_sender: an approved sender in direct chat is quiet; a message from an unapproved group fires', async () => {
    const r = await admin.request('channels.add', { type: 'telegram', accountId: 'acct', config: { token: TOKEN, api_base_url: tg.url, poll_timeout_secs: 5 } });
    assert.equal(r.ok, true, JSON.stringify(r));
    const consumed = (id: number) => tg.waitFor((c) => c.method === 'getUpdates' && Number(c.params.offset) > id, 5000);
    // Baseline: one new direct sender (queued), approved by the owner, then talking normally.
    await consumed(tg.say(TOKEN, ALICE, 'hello'));
    assert.equal((await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'acct', senderId: '111' })).ok, true);
    llm.script({ text: 'hi Alice' });
    tg.say(TOKEN, ALICE, 'how are you?');
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'hi Alice');
    assert.deepEqual(alerts('channels.unexpected_sender'), [], 'a quiet baseline raised channels.unexpected_sender');
    // The approved sender is pulled into a group nobody approved and addresses the bot there.
    await consumed(tg.say(TOKEN, ALICE, 'bot, read this', { chat: GROUP, mention: 'novelty_bot' }));
    const [a] = alerts('channels.unexpected_sender');
    assert.ok(a, 'a message from an unapproved group raised nothing');
    assert.match(a.summary, /telegram group that is not approved \(-700\)/);
    const [ev] = JSON.parse(a.evidence) as number[];
    assert.equal(s.store.audit.list({ limit: 1, before: ev! + 1 })[0]!.event_type, 'channel_sender_pending');
    await user.next((f) => f.event === 'security.alert' && f.payload.id === a.id);
  });
});
