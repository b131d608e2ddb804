/**
 * Slack over real sockets: Events API callbacks at the original's paths (signature, timestamp,
 * retries de-duplicated, unknown account 404, per-IP throttle before the signature) and Socket
 * Mode, against a fake Slack Web API + Socket Mode server and the scripted model.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { startFakeSlack, signedPost, messageEvent, type FakeSlack } from '../support/fake-slack.js';
import { connect } from '../support/chat.js';
import type { WsClient, Frame } from '../support/ws.js';
import { NOTICES } from '../../src/channels/index.js';

const BOT = 'xoxb-test-bot-token';
const APP = 'xapp-test-app-token';
const SECRET = 'slack-signing-secret-123';
const ev = (name: string, pred: (p: any) => boolean = () => true) => (f: Frame) => f.type === 'event' && f.event === name && pred(f.payload);
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe('slack channel', () => {
  let llm: ScriptedLlm;
  let slack: FakeSlack;
  let s: TestServer;
  let admin: WsClient;
  let events: string;
  const post = (body: unknown, o: Parameters<typeof signedPost>[3] = {}) => signedPost(events, SECRET, typeof body === 'string' ? body : JSON.stringify(body), o);

  before(async () => {
    llm = await startScriptedLlm();
    slack = await startFakeSlack({ botToken: BOT, appToken: APP });
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[channels]\nallow_private_api_urls = true\n` });
    const cookie = await setupPassword(s);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
    const r = await admin.request('channels.add', { type: 'slack', accountId: 'work', config: { connection_mode: 'events_api', bot_token: BOT, signing_secret: SECRET, api_base_url: slack.url } });
    assert.equal(r.payload?.account?.state, 'running', JSON.stringify(r));
    assert.deepEqual(r.payload.account.secrets, { bot_token: true, app_token: false, signing_secret: true });
    events = `${s.url}/api/channels/slack/work/events`;
  });
  after(async () => { admin.close(); await s.stop(); await slack.close(); await llm.close(); });

  test('url_verification is answered; unknown account 404; missing headers 400; bad signature 401; stale timestamp 401', async () => {
    const v = await post({ type: 'url_verification', challenge: 'chal-42', token: 'x' });
    assert.equal(v.status, 200);
    assert.deepEqual(await v.json(), { challenge: 'chal-42' });
    const unknown = await signedPost(`${s.url}/api/channels/slack/nosuch/events`, SECRET, '{}');
    assert.equal(unknown.status, 404);
    assert.match((await unknown.json()).error, /unknown Slack account/);
    const bare = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(bare.status, 400);
    const forged = await signedPost(events, 'not-the-secret', JSON.stringify({ type: 'url_verification', challenge: 'x' }));
    assert.equal(forged.status, 401);
    // The right signature over different bytes is no signature at all.
    const good = `v0=${(await import('node:crypto')).createHmac('sha256', SECRET).update(`v0:${Math.floor(Date.now() / 1000)}:{"a":1}`).digest('hex')}`;
    assert.equal((await post('{"a":2}', { signature: good })).status, 401);
    const stale = await post({ type: 'url_verification', challenge: 'old' }, { ts: Math.floor(Date.now() / 1000) - 301 });
    assert.equal(stale.status, 401);
    const future = await post({ type: 'url_verification', challenge: 'new' }, { ts: Math.floor(Date.now() / 1000) + 301 });
    assert.equal(future.status, 401);
  });

  test('signed events: a stranger is queued (no model call); approved, they are answered; a retried event_id runs once', async () => {
    const r1 = await post(messageEvent({ eventId: 'Ev1', user: 'U111', channel: 'D111', text: 'hello from slack' }));
    assert.equal(r1.status, 200);
    const pending = await admin.next(ev('channel.sender.pending', (p) => p.type === 'slack'));
    assert.deepEqual([pending.payload.accountId, pending.payload.senderId], ['work', 'T1:U111']);
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.channel === 'D111');
    assert.deepEqual(slack.posted('D111'), [NOTICES.waiting]);
    assert.equal(llm.requests.length, 0);
    assert.equal((await admin.request('channels.senders.approve', { type: 'slack', accountId: 'work', senderId: 'T1:U111' })).ok, true);

    // One scripted step: a second turn would get the script's 500 and show up in llm.requests.
    llm.script({ text: 'hi from the agent' });
    const body = messageEvent({ eventId: 'Ev2', user: 'U111', channel: 'D111', text: 'are you there?' });
    const [a, b] = await Promise.all([post(body), post(body)]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    const answers = [await a.json(), await b.json()];
    assert.equal(answers.filter((x) => x.deduplicated === true).length, 1, 'one of the two deliveries is a duplicate');
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.text === 'hi from the agent', 10_000);
    const again = await post(body);
    assert.deepEqual(await again.json(), { ok: true, deduplicated: true });
    await settle(500);
    assert.equal(llm.requests.length, 1, 'the retried event ran one model turn');
    assert.ok(s.store.chatSessions.get('slack:work:D111'));
    llm.requests.length = 0;
  });

  test('in a channel: the channel needs approval; mentions of approved senders are answered in a thread', async () => {
    const mention = (id: string, user: string, text: string) => messageEvent({ eventId: id, user, channel: 'C500', text: `<@UBOT> ${text}`, type: 'app_mention', ts: `1700000100.${id.slice(-4).padStart(6, '0')}` });
    await post(mention('Ev0010', 'U111', 'hi channel'));
    await admin.next(ev('channel.sender.pending', (p) => p.senderId === 'C500' && p.kind === 'group'));
    assert.equal((await admin.request('channels.senders.approve', { type: 'slack', accountId: 'work', senderId: 'C500' })).ok, true);
    llm.requests.length = 0;
    // An unknown user in the approved channel: ignored.
    await post(mention('Ev0011', 'U999', 'run rm -rf'));
    await settle(500);
    assert.equal(llm.requests.length, 0);
    llm.script({ text: 'threaded answer' });
    slack.rateLimit('chat.postMessage', 1); // Slack's 429 + Retry-After is waited out, then sent
    const t0 = Date.now();
    await post(mention('Ev0012', 'U111', 'what is up?'));
    const reply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.text === 'threaded answer' && slack.calls.filter((x) => x.params.text === 'threaded answer').length === 2, 10_000);
    assert.ok(Date.now() - t0 >= 1000);
    assert.equal(reply.params.channel, 'C500');
    assert.equal(reply.params.thread_ts, '1700000100.000012');
    assert.ok(s.store.chatSessions.get('slack:work:C500:1700000100.000012'));
  });

  test('Socket Mode: connects with the app token; events arrive over the socket and are acknowledged', async () => {
    const r = await admin.request('channels.add', { type: 'slack', accountId: 'sock', config: { bot_token: BOT, app_token: APP, api_base_url: slack.url } });
    assert.equal(r.payload?.account?.state, 'running', JSON.stringify(r));
    assert.equal(slack.sockets(), 1);
    const id = slack.socketEvent(messageEvent({ eventId: 'EvS1', user: 'U777', channel: 'D777', text: 'socket hello' }));
    await admin.next(ev('channel.sender.pending', (p) => p.accountId === 'sock' && p.senderId === 'T1:U777'));
    assert.ok(slack.acks.includes(id));
    assert.equal((await admin.request('channels.senders.approve', { type: 'slack', accountId: 'sock', senderId: 'T1:U777' })).ok, true);
    llm.script({ text: 'over the socket' });
    slack.socketEvent(messageEvent({ eventId: 'EvS2', user: 'U777', channel: 'D777', text: 'and now?' }));
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.params.text === 'over the socket', 10_000);
    // The Events API route refuses a socket-mode account.
    assert.equal((await signedPost(`${s.url}/api/channels/slack/sock/events`, SECRET, '{}')).status, 404);
    assert.equal((await admin.request('channels.remove', { type: 'slack', accountId: 'sock' })).ok, true);
    await settle(300);
    assert.equal(slack.sockets(), 0, 'remove closes the socket');
  });

  test('invalid bot token → "error: invalid token"; the gateway keeps serving', async () => {
    const r = await admin.request('channels.add', { type: 'slack', accountId: 'bad', config: { connection_mode: 'events_api', bot_token: 'xoxb-wrong', signing_secret: SECRET, api_base_url: slack.url } });
    assert.equal(r.payload.account.state, 'error: invalid token');
    assert.equal((await signedPost(`${s.url}/api/channels/slack/bad/events`, SECRET, '{}')).status, 503);
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
  });
});

describe('slack callback throttle', () => {
  test('per-IP pre-auth throttle comes before the account lookup and the signature', async () => {
    const s = await startTestServer({ toml: '[server.throttle]\ncallback_max = 2\n' });
    try {
      const url = `${s.url}/api/channels/slack/any/events`;
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await signedPost(url, 'x', '{}')).status);
      assert.deepEqual(codes, [404, 404, 429]);
    } finally { await s.stop(); }
  });
});
