/**
 * Telegram end to end over real sockets: the gateway, a fake Telegram Bot API server and the
 * scripted model, all on loopback. Unknown senders never reach the model; approval is keyed on
 * the immutable id; groups need approval and only addressed messages of approved senders count.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { startFakeTelegram, type FakeTelegram, type TgUser } from '../support/fake-telegram.js';
import { connect } from '../support/chat.js';
import type { WsClient, Frame } from '../support/ws.js';
import { NOTICES } from '../../src/channels/index.js';

const TOKEN = '123456:test-token-aaaa';
const ALICE: TgUser = { id: 111, first_name: 'Alice', username: 'alice' };
const BOB: TgUser = { id: 222, first_name: 'Bob', username: 'bob' };
const CAROL: TgUser = { id: 333, first_name: 'Carol' };
const GROUP = { id: -500, type: 'group' as const, title: 'Team' };

const ev = (name: string, pred: (p: any) => boolean = () => true) => (f: Frame) => f.type === 'event' && f.event === name && pred(f.payload);
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe('telegram channel', () => {
  let llm: ScriptedLlm;
  let tg: FakeTelegram;
  let s: TestServer;
  let admin: WsClient;
  let reader: WsClient;
  let bot: string;

  /** Waits until the gateway has consumed everything queued so far (its next getUpdates carries the offset past it). */
  const consumed = (updateId: number) => tg.waitFor((c) => c.method === 'getUpdates' && Number(c.params.offset) > updateId, 5000);

  before(async () => {
    llm = await startScriptedLlm();
    tg = await startFakeTelegram();
    tg.addBot(TOKEN, { id: 9000, username: 'moltis_test_bot' });
    bot = 'moltis_test_bot';
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[channels]\nallow_private_api_urls = true\n` });
    const cookie = await setupPassword(s);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
    reader = await connect(s, (await createKey(s, cookie, ['operator.read'])).key, ['*']);
    const r = await admin.request('channels.add', { type: 'telegram', accountId: 'acct', config: { token: TOKEN, api_base_url: tg.url, poll_timeout_secs: 5 } });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.payload.account.state, 'running');
    assert.equal(r.payload.account.botName, bot);
    assert.deepEqual(r.payload.account.secrets, { token: true });
    assert.ok(!JSON.stringify(r.payload).includes(TOKEN), 'the token is never returned');
  });
  after(async () => { admin.close(); reader.close(); await s.stop(); await tg.close(); await llm.close(); });

  test('unknown sender: no model request, one waiting reply, pending event; approved → answered in their own session', async () => {
    const u1 = tg.say(TOKEN, ALICE, 'hello, who are you?');
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '111');
    assert.deepEqual(tg.sent(111), [NOTICES.waiting]);
    const pending = await admin.next(ev('channel.sender.pending', (p) => p.senderId === '111'));
    assert.deepEqual([pending.payload.type, pending.payload.accountId, pending.payload.username, pending.payload.displayName], ['telegram', 'acct', 'alice', 'Alice']);
    // Read-only connections see the queue too (operator.read), never a session of it.
    await reader.next(ev('channel.sender.pending', (p) => p.senderId === '111'));
    await consumed(u1);
    const u2 = tg.say(TOKEN, ALICE, 'hello??');
    await consumed(u2);
    await settle();
    assert.equal(tg.sent(111).length, 1, 'one waiting reply, not one per message');
    assert.equal(llm.requests.length, 0, 'an unknown sender never reaches the model');
    const list = await reader.request('channels.senders.list', { type: 'telegram', accountId: 'acct' });
    const alice = list.payload.senders.find((x: any) => x.senderId === '111');
    assert.equal(alice.status, 'pending');
    assert.equal(alice.messageCount, 2);
    assert.equal(alice.preview, 'hello, who are you?');

    // A read-only key cannot approve (admin: granting access is credential management).
    assert.equal((await reader.request('channels.senders.approve', { type: 'telegram', accountId: 'acct', senderId: '111' })).error?.code, 'UNAUTHORIZED');
    const ok = await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'acct', senderId: '111' });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.payload.sender.level, 'read-only');
    await reader.next(ev('channel.sender.approved', (p) => p.senderId === '111'));

    llm.script({ text: 'Hi Alice, I am the assistant.' });
    tg.say(TOKEN, ALICE, 'now can you hear me?');
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'Hi Alice, I am the assistant.');
    assert.equal(llm.requests.length, 1);
    const msgs = llm.requests[0]!.body.messages;
    assert.equal(msgs.at(-1).content, 'now can you hear me?');
    assert.ok(!JSON.stringify(msgs).includes('hello??'), 'messages from before the approval never reach the model');
    assert.ok(s.store.chatSessions.get('telegram:acct:111'), 'the turn ran in telegram:<account>:<chat>');
    // The audit trail has metadata only, never the body.
    const audit = s.auth.auditList({ type: 'channel_message' });
    assert.ok(audit.some((a) => a.detail?.includes('sender=111')));
    assert.ok(!JSON.stringify(s.auth.auditList({})).includes('now can you hear me'));
    // The session is hidden from a read-only operator connection (sessions.list and chat events).
    const sessions = await reader.request('sessions.list', {});
    assert.ok(!sessions.payload.sessions.some((x: any) => x.key.startsWith('telegram:')));
    assert.ok(!reader.frames.some((f) => f.event === 'chat' && JSON.stringify(f.payload).includes('telegram:')));
    assert.ok(admin.frames.some((f) => f.event === 'chat' && f.payload.sessionKey === 'telegram:acct:111'));
  });

  test('a sender who changes their username keeps their status (decisions are keyed on the id)', async () => {
    llm.script({ text: 'still you' });
    tg.say(TOKEN, { ...ALICE, username: 'definitely_not_alice' }, 'renamed myself');
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'still you');
    const list = await admin.request('channels.senders.list', { type: 'telegram' });
    assert.equal(list.payload.senders.find((x: any) => x.senderId === '111').username, 'definitely_not_alice');
    // And someone who takes over the old username is a stranger.
    const before = llm.requests.length;
    const u = tg.say(TOKEN, { id: 444, first_name: 'Mallory', username: 'alice' }, 'I am alice, let me in');
    await consumed(u);
    await settle();
    assert.equal(llm.requests.length, before);
    assert.deepEqual(tg.sent(444), [NOTICES.waiting]);
  });

  test('groups: the group needs approval; then only approved senders who mention the bot are answered', async () => {
    const before = llm.requests.length;
    const u1 = tg.say(TOKEN, ALICE, 'hi team', { chat: GROUP, mention: bot });
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '-500');
    assert.deepEqual(tg.sent(-500), [NOTICES.groupWaiting]);
    await admin.next(ev('channel.sender.pending', (p) => p.senderId === '-500' && p.kind === 'group'));
    await consumed(u1);
    assert.equal((await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'acct', senderId: '-500' })).ok, true);
    // Not addressed to the bot: ignored, even from an approved sender.
    const u2 = tg.say(TOKEN, ALICE, 'just chatting', { chat: GROUP });
    // Bob is not approved: ignored in the group (no reply there), though queued for the owner.
    const u3 = tg.say(TOKEN, BOB, 'hey bot, run something', { chat: GROUP, mention: bot });
    await consumed(Math.max(u2, u3));
    await settle();
    assert.equal(llm.requests.length, before);
    assert.deepEqual(tg.sent(-500), [NOTICES.groupWaiting]);
    llm.script({ text: 'hello group' });
    tg.say(TOKEN, ALICE, 'what time is it?', { chat: GROUP, mention: bot });
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'hello group');
    assert.ok(s.store.chatSessions.get('telegram:acct:-500'));
    // A reply to the bot counts as addressing it.
    llm.script({ text: 'reply seen' });
    tg.say(TOKEN, ALICE, 'and this?', { chat: GROUP, replyToBot: true });
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'reply seen');
  });

  test('a denied sender gets no reply, ever', async () => {
    const u1 = tg.say(TOKEN, CAROL, 'let me in');
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '333');
    await consumed(u1);
    const d = await admin.request('channels.senders.deny', { type: 'telegram', accountId: 'acct', senderId: '333' });
    assert.equal(d.ok, true);
    await reader.next(ev('channel.sender.denied', (p) => p.senderId === '333'));
    const before = llm.requests.length;
    const u2 = tg.say(TOKEN, CAROL, 'please?');
    const u3 = tg.say(TOKEN, CAROL, 'please please?');
    await consumed(Math.max(u2, u3));
    await settle();
    assert.deepEqual(tg.sent(333), [NOTICES.waiting]);
    assert.equal(llm.requests.length, before);
    assert.equal((await admin.request('channels.senders.list', {})).payload.senders.find((x: any) => x.senderId === '333').status, 'denied');
  });

  test('revoke: the sender is pending again and told once; their messages stop reaching the model', async () => {
    const r = await admin.request('channels.senders.revoke', { type: 'telegram', accountId: 'acct', senderId: '111' });
    assert.equal(r.ok, true);
    assert.equal(r.payload.sender.status, 'pending');
    await reader.next(ev('channel.sender.revoked', (p) => p.senderId === '111'));
    const before = llm.requests.length;
    const sentBefore = tg.sent(111).length;
    const u1 = tg.say(TOKEN, ALICE, 'am I still in?');
    const u2 = tg.say(TOKEN, ALICE, 'hello?');
    await consumed(Math.max(u1, u2));
    await settle();
    assert.equal(llm.requests.length, before);
    assert.deepEqual(tg.sent(111).slice(sentBefore), [NOTICES.waiting]);
    assert.equal((await admin.request('channels.senders.revoke', { type: 'telegram', accountId: 'acct', senderId: '111' })).error?.code, 'CONFLICT');
  });

  test('list and status never show the token; audit has an entry per decision', async () => {
    const list = await reader.request('channels.list', {});
    assert.equal(list.ok, true);
    assert.ok(!JSON.stringify(list.payload).includes(TOKEN));
    assert.deepEqual(list.payload.accounts.map((a: any) => [a.type, a.accountId, a.state, a.secrets.token]), [['telegram', 'acct', 'running', true]]);
    const st = await reader.request('channels.status', {});
    assert.equal(st.payload.accounts[0].state, 'running');
    for (const t of ['channel_account_added', 'channel_sender_pending', 'channel_sender_approved', 'channel_sender_denied', 'channel_sender_revoked']) {
      assert.ok(s.auth.auditList({ type: t }).length > 0, `audit ${t}`);
    }
    assert.ok(!JSON.stringify(s.auth.auditList({})).includes(TOKEN));
    // The token is in the vault, encrypted: its plaintext is nowhere in the database file.
    const row = s.store.db.prepare("SELECT value FROM secrets WHERE kind = 'channel'").get() as { value: string };
    assert.ok(!row.value.includes('test-token'));
  });
});
