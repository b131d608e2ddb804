/**
 * Throttling, size limits, platform limits and the optional approval paths, over real sockets:
 * per-sender rate limit (one notice), message length cap, bounded pending queue, long replies
 * split and Telegram 429 honoured, self-approval codes shown only to admins, owner buttons that
 * only the owner can press.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { startFakeTelegram, type FakeTelegram, type TgUser } from '../support/fake-telegram.js';
import { connect } from '../support/chat.js';
import type { WsClient, Frame } from '../support/ws.js';
import { NOTICES } from '../../src/channels/index.js';

const T = { lim: '10:limits', otp: '11:otp', own: '12:owner' } as const;
const OWNER: TgUser = { id: 1, first_name: 'Owner' };
const ev = (name: string, pred: (p: any) => boolean = () => true) => (f: Frame) => f.type === 'event' && f.event === name && pred(f.payload);
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe('channel limits and approval paths', () => {
  let llm: ScriptedLlm;
  let tg: FakeTelegram;
  let s: TestServer;
  let admin: WsClient;
  let reader: WsClient;
  const consumed = (token: string, id: number) => tg.waitFor((c) => c.token === token && c.method === 'getUpdates' && Number(c.params.offset) > id, 5000);
  const approve = async (acct: string, id: number, level?: string) => {
    const r = await admin.request('channels.senders.approve', { type: 'telegram', accountId: acct, senderId: String(id), ...(level ? { level } : {}) });
    assert.equal(r.ok, true, JSON.stringify(r));
  };
  /** A stranger writes once and is approved. */
  const known = async (acct: keyof typeof T, who: TgUser) => {
    tg.say(T[acct], who, 'hello');
    await admin.next(ev('channel.sender.pending', (p) => p.accountId === acct && p.senderId === String(who.id)));
    await approve(acct, who.id);
  };

  before(async () => {
    llm = await startScriptedLlm({ defaultStep: { text: 'ok' } });
    tg = await startFakeTelegram();
    for (const t of Object.values(T)) tg.addBot(t);
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n`
      + '[channels]\nallow_private_api_urls = true\nrate_limit_per_minute = 5\nmax_message_chars = 200\nmax_pending_senders = 2\n' });
    const cookie = await setupPassword(s);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
    reader = await connect(s, (await createKey(s, cookie, ['operator.read'])).key, ['*']);
    const add = async (acct: keyof typeof T, extra: Record<string, unknown> = {}) =>
      assert.equal((await admin.request('channels.add', { type: 'telegram', accountId: acct, config: { token: T[acct], api_base_url: tg.url, ...extra } })).payload?.account?.state, 'running');
    await add('lim');
    await add('otp', { otp_self_approval: true });
    await add('own', { permission: 'admin', notify_owner: true });
  });
  after(async () => { admin.close(); reader.close(); await s.stop(); await tg.close(); await llm.close(); });

  test('rate limit: beyond 5 a minute the sender gets one notice, then silence; over-long messages are refused', async () => {
    const who = { id: 501, first_name: 'Fast' };
    await known('lim', who);
    const before = llm.requests.length;
    let last = 0;
    for (let i = 0; i < 6; i++) last = tg.say(T.lim, who, `message ${i}`);
    await consumed(T.lim, last);
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === NOTICES.rateLimited);
    // Turns of one chat run one after another: wait for the four answers, then a little more.
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '501' && tg.sent(501).filter((t) => t === 'ok').length === 4, 15_000);
    await settle(500);
    // The first "hello" (pending) counted too: 4 more turns, then one notice, then silence.
    assert.equal(tg.sent(501).filter((t) => t === NOTICES.rateLimited).length, 1);
    assert.equal(llm.requests.length - before, 4);
    const long = { id: 502, first_name: 'Verbose' };
    await known('lim', long);
    const b2 = llm.requests.length;
    tg.say(T.lim, long, 'x'.repeat(201));
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === NOTICES.tooLong(200));
    assert.equal(llm.requests.length, b2);
  });

  test('the pending queue is bounded: the oldest pending sender is dropped, with an event', async () => {
    const ids = [601, 602, 603];
    for (const id of ids) {
      tg.say(T.lim, { id, first_name: `S${id}` }, 'anyone?');
      await admin.next(ev('channel.sender.pending', (p) => p.senderId === String(id)));
    }
    // 502 and 501 were approved; the pending ones are 601..603 with a cap of 2.
    const dropped = await reader.next(ev('channel.sender.dropped', (p) => p.accountId === 'lim'));
    assert.equal(dropped.payload.senderId, '601');
    const pending = (await reader.request('channels.senders.list', { type: 'telegram', accountId: 'lim' })).payload.senders.filter((x: any) => x.status === 'pending').map((x: any) => x.senderId).sort();
    assert.deepEqual(pending, ['602', '603']);
  });

  test('long replies are split to Telegram\'s limit; a 429 is waited out (retry_after)', async () => {
    const who = { id: 701, first_name: 'Reader' };
    await known('lim', who);
    const text = `${'a'.repeat(3900)}\n${'b'.repeat(3900)}\n${'c'.repeat(100)}`;
    llm.script({ text, chunks: 4 });
    tg.rateLimit('sendMessage', 1);
    const t0 = Date.now();
    tg.say(T.lim, who, 'tell me a long story');
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '701' && String(c.params.text).startsWith('c'), 10_000);
    const parts = tg.sent(701).slice(-3);
    assert.deepEqual(parts.map((p) => p[0]), ['a', 'b', 'c']);
    assert.ok(parts.every((p) => p.length <= 4096));
    assert.equal(parts.join('\n'), text);
    assert.ok(Date.now() - t0 >= 1000, 'waited for retry_after');
  });

  test('self-approval code: shown only to admins; wrong codes count; the right one grants read-only', async () => {
    const who = { id: 801, first_name: 'Coder' };
    tg.say(T.otp, who, 'hi');
    const otp = await admin.next(ev('channel.sender.otp', (p) => p.senderId === '801'));
    assert.match(otp.payload.code, /^\d{6}$/);
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '801');
    assert.equal(tg.sent(801)[0], NOTICES.waiting + NOTICES.otpHint);
    assert.ok(!tg.sent(801)[0]!.includes(otp.payload.code), 'the code never goes to the sender');
    await settle();
    assert.ok(!reader.frames.some((f) => JSON.stringify(f.payload ?? {}).includes(otp.payload.code)), 'a read-only client never sees the code');
    const asReader = (await reader.request('channels.senders.list', { accountId: 'otp' })).payload.senders[0];
    assert.equal(asReader.otp, undefined);
    assert.equal((await admin.request('channels.senders.list', { accountId: 'otp' })).payload.senders[0].otp.code, otp.payload.code);
    const wrong = otp.payload.code === '999999' ? '999998' : '999999';
    tg.say(T.otp, who, wrong);
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === NOTICES.otpWrong(2));
    tg.say(T.otp, who, otp.payload.code);
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === NOTICES.verified);
    const row = (await admin.request('channels.senders.list', { accountId: 'otp' })).payload.senders[0];
    assert.deepEqual([row.status, row.level], ['approved', 'read-only']);
    // Three wrong tries lock a sender out.
    const guesser = { id: 802, first_name: 'Guesser' };
    tg.say(T.otp, guesser, 'hi');
    const g = await admin.next(ev('channel.sender.otp', (p) => p.senderId === '802'));
    const bad = g.payload.code === '111111' ? '222222' : '111111';
    for (let i = 0; i < 3; i++) tg.say(T.otp, guesser, bad);
    await tg.waitFor((c) => c.method === 'sendMessage' && c.params.text === NOTICES.otpLocked);
    tg.say(T.otp, guesser, g.payload.code);
    await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '802' && tg.sent(802).filter((t) => t === NOTICES.otpLocked).length === 2);
    assert.equal((await admin.request('channels.senders.list', { accountId: 'otp' })).payload.senders.find((x: any) => x.senderId === '802').status, 'pending');    // The lockout is audited once (not per refused try) and raises a channels.unexpected_sender alert.
    const locks = s.store.audit.list({ limit: 10, type: 'channel_sender_otp_locked' });
    assert.equal(locks.length, 1);
    assert.match(locks[0]!.detail!, /sender=802/);
    const alerts = (await reader.request('security.alerts.list', {})).payload.alerts as any[];
    assert.ok(alerts.some((a) => a.rule === 'channels.unexpected_sender' && a.evidence.includes(locks[0]!.id)), JSON.stringify(alerts));
  });

  test('notify_owner: the owner gets Approve/Deny buttons; only the owner\'s id can press them', async () => {
    await known('own', OWNER);
    await approve('own', OWNER.id, 'admin');
    const stranger = { id: 901, first_name: 'Stranger', username: 'str' };
    tg.say(T.own, stranger, 'may I?');
    const notice = await tg.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '1' && /New sender/.test(c.params.text));
    assert.match(notice.params.text, /Stranger \(@str\), id 901/);
    assert.deepEqual(notice.params.reply_markup.inline_keyboard[0].map((b: any) => b.callback_data), ['approve:901', 'deny:901']);
    // Someone else (say the notice was forwarded) presses Approve: refused.
    const other = { id: 902, first_name: 'Other' };
    tg.press(T.own, other, 'approve:901');
    await tg.waitFor((c) => c.method === 'answerCallbackQuery' && /Only the owner/.test(c.params.text));
    assert.equal((await admin.request('channels.senders.list', { accountId: 'own' })).payload.senders.find((x: any) => x.senderId === '901').status, 'pending');
    tg.press(T.own, OWNER, 'approve:901', { chatId: 1, messageId: 5 });
    await admin.next(ev('channel.sender.approved', (p) => p.senderId === '901' && p.accountId === 'own'));
    const row = (await admin.request('channels.senders.list', { accountId: 'own' })).payload.senders.find((x: any) => x.senderId === '901');
    assert.deepEqual([row.status, row.level], ['approved', 'read-only']);
  });
});

describe('per-account turn queue', () => {
  test('beyond max_queued_turns a message is refused with a notice (nothing buffered without bound)', async () => {
    const llm = await startScriptedLlm();
    const tg = await startFakeTelegram();
    tg.addBot(T.lim);
    const s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[channels]\nallow_private_api_urls = true\nmax_queued_turns = 2\n` });
    try {
      const cookie = await setupPassword(s);
      const admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
      assert.equal((await admin.request('channels.add', { type: 'telegram', accountId: 'q', config: { token: T.lim, api_base_url: tg.url } })).payload.account.state, 'running');
      const who = { id: 1001, first_name: 'Busy' };
      tg.say(T.lim, who, 'hi');
      await admin.next(ev('channel.sender.pending'));
      assert.equal((await admin.request('channels.senders.approve', { type: 'telegram', accountId: 'q', senderId: '1001' })).ok, true);
      llm.script({ hang: true });
      for (const t of ['one', 'two', 'three']) tg.say(T.lim, who, t);
      await tg.waitFor((c) => c.method === 'sendMessage' && /Too many messages are waiting/.test(c.params.text));
      for (let i = 0; i < 100 && llm.requests.length === 0; i++) await settle(50);
      await settle(300);
      assert.equal(llm.requests.length, 1, 'one turn running (the second waits behind it), the third refused');
      admin.close();
    } finally { await s.stop(); await tg.close(); await llm.close(); }
  });
});
