/**
 * Channel accounts' life cycle over real sockets: a bad token or another poller is a status,
 * never a crashed gateway; a sealed vault makes accounts wait and unsealing starts them; the API
 * root is checked like a web_fetch target; moltis.toml accounts hold no secret.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, PASSWORD, type TestServer } from '../support/server.js';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram.js';
import { connect } from '../support/chat.js';
import type { WsClient, Frame } from '../support/ws.js';
import { parseConfig } from '../../src/config/index.js';
import { telegramAdapter } from '../../src/channels/index.js';

const TOKEN = '42:good-token';
const status = (c: WsClient, acct: string, state: string) => (f: Frame) =>
  f.event === 'channel.account.status' && f.payload.accountId === acct && f.payload.state === state;

describe('channel accounts', () => {
  let tg: FakeTelegram;
  let s: TestServer;
  let cookie: string;
  let admin: WsClient;
  before(async () => {
    tg = await startFakeTelegram();
    tg.addBot(TOKEN, { username: 'good_bot' });
    s = await startTestServer({
      toml: `[channels]\nallow_private_api_urls = true\n[channels.telegram.fromfile]\napi_base_url = "${tg.url}"\npermission = "read-only"\n`,
      channelAdapters: { telegram: telegramAdapter({ errorBackoffMs: 50 }) },
    });
    cookie = await setupPassword(s);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
  });
  after(async () => { admin.close(); await s.stop(); await tg.close(); });

  test('invalid token: status "error: invalid token", and the gateway keeps serving', async () => {
    const r = await admin.request('channels.add', { type: 'telegram', accountId: 'badtoken', config: { token: '42:wrong', api_base_url: tg.url } });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.payload.account.state, 'error: invalid token');
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
    const st = await admin.request('channels.status', {});
    assert.equal(st.payload.accounts.find((a: any) => a.accountId === 'badtoken').state, 'error: invalid token');
    assert.ok(s.auth.auditList({ type: 'channel_account_status' }).some((a) => a.detail?.includes('badtoken')));
    // A new token fixes it.
    const u = await admin.request('channels.update', { type: 'telegram', accountId: 'badtoken', config: { token: TOKEN } });
    assert.equal(u.payload.account.state, 'running');
    assert.equal((await admin.request('channels.remove', { type: 'telegram', accountId: 'badtoken' })).ok, true);
  });

  test('another instance polling (409): "disabled: another instance is polling"', async () => {
    const r = await admin.request('channels.add', { type: 'telegram', accountId: 'twin', config: { token: TOKEN, api_base_url: tg.url, poll_timeout_secs: 1 } });
    assert.equal(r.payload.account.state, 'running');
    tg.conflict(TOKEN, true);
    await admin.next(status(admin, 'twin', 'disabled: another instance is polling'), 10_000);
    tg.conflict(TOKEN, false);
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
    assert.equal((await admin.request('channels.remove', { type: 'telegram', accountId: 'twin' })).ok, true);
  });

  test('moltis.toml account: waits for its token in the vault; its settings are the file\'s', async () => {
    const list = await admin.request('channels.list', {});
    const acct = list.payload.accounts.find((a: any) => a.accountId === 'fromfile');
    assert.equal(acct.source, 'config');
    assert.match(acct.state, /^error: no token in the vault/);
    assert.equal((await admin.request('channels.update', { type: 'telegram', accountId: 'fromfile', config: { permission: 'admin' } })).error?.code, 'CONFLICT');
    const u = await admin.request('channels.update', { type: 'telegram', accountId: 'fromfile', config: { token: TOKEN } });
    assert.equal(u.payload.account.state, 'running', JSON.stringify(u));
    assert.equal((await admin.request('channels.remove', { type: 'telegram', accountId: 'fromfile' })).error?.code, 'CONFLICT');
  });

  test('a literal token in moltis.toml is a config error that says how to store it', () => {
    assert.throws(() => parseConfig('[channels.telegram.x]\ntoken = "123456:AAE-literal-secret"\n'), (err: Error) => {
      assert.match(err.message, /does not belong in moltis.toml/);
      assert.match(err.message, /channels\.update|Settings > Channels/);
      assert.ok(!err.message.includes('AAE-literal-secret'), 'the error never echoes the token');
      return true;
    });
    assert.doesNotThrow(() => parseConfig('[channels.telegram.x]\ntoken = "vault:my-bot"\n'));
    assert.throws(() => parseConfig('[channels.telegram.x]\ndm_policy = "open"\n'), /every sender waits/);
    assert.throws(() => parseConfig('[channels.telegram.x]\napi_base_url = "http://127.0.0.1:8081"\n'), /allow_private_api_urls/);
  });

  test('api_base_url: an http:// root is refused without allow_private_api_urls; a private https root too', async () => {
    const other = await startTestServer();
    try {
      const c = await setupPassword(other);
      const a = await connect(other, (await createKey(other, c, ['operator.admin'])).key, ['*']);
      const plain = await a.request('channels.add', { type: 'telegram', accountId: 'p', config: { token: TOKEN, api_base_url: tg.url } });
      assert.equal(plain.error?.code, 'INVALID_REQUEST');
      assert.match(plain.error!.message, /allow_private_api_urls/);
      // Loopback over https: resolved and refused like a web_fetch target; the token is never sent.
      const before = tg.calls.length;
      const loop = await a.request('channels.add', { type: 'telegram', accountId: 'q', config: { token: TOKEN, api_base_url: tg.url.replace('http:', 'https:') } });
      assert.match(loop.payload.account.state, /^error: api_base_url refused: SSRF blocked/);
      assert.equal(tg.calls.length, before);
      // Secrets are write-only: the vault row exists, the value is never read back.
      assert.deepEqual(loop.payload.account.secrets, { token: true });
      a.close();
    } finally { await other.stop(); }
  });

  test('webhook mode: Telegram must echo the generated secret token; each update is handled once', async () => {
    const HOOK = '43:hook-token';
    tg.addBot(HOOK, { username: 'hook_bot' });
    const missing = await admin.request('channels.add', { type: 'telegram', accountId: 'hook', config: { token: HOOK, api_base_url: tg.url, connection_mode: 'webhook' } });
    assert.equal(missing.error?.code, 'INVALID_REQUEST');
    const publicUrl = 'https://moltis.example/api/channels/telegram/hook/webhook';
    const r = await admin.request('channels.add', { type: 'telegram', accountId: 'hook', config: { token: HOOK, api_base_url: tg.url, connection_mode: 'webhook', webhook_url: publicUrl } });
    assert.equal(r.payload.account.state, 'running', JSON.stringify(r));
    const set = tg.calls.find((c) => c.token === HOOK && c.method === 'setWebhook')!;
    assert.equal(set.params.url, publicUrl);
    const secret = String(set.params.secret_token);
    assert.ok(secret.length >= 40);
    const url = `${s.url}/api/channels/telegram/hook/webhook`;
    const update = { update_id: 7001, message: { message_id: 1, date: 0, chat: { id: 3030, type: 'private', first_name: 'Hooked' }, from: { id: 3030, is_bot: false, first_name: 'Hooked' }, text: 'via webhook' } };
    const post = (token: string | null) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token !== null ? { 'x-telegram-bot-api-secret-token': token } : {}) }, body: JSON.stringify(update) });
    assert.equal((await post(null)).status, 401);
    assert.equal((await post(`${secret.slice(0, -1)}x`)).status, 401);
    assert.equal((await post('short')).status, 401);
    assert.equal((await fetch(`${s.url}/api/channels/telegram/nosuch/webhook`, { method: 'POST', body: '{}' })).status, 404);
    assert.equal((await post(secret)).status, 200);
    assert.equal((await post(secret)).status, 200); // Telegram's redelivery
    await admin.next((f: Frame) => f.event === 'channel.sender.pending' && f.payload.accountId === 'hook' && f.payload.senderId === '3030');
    await tg.waitFor((c) => c.token === HOOK && c.method === 'sendMessage');
    await new Promise((res) => setTimeout(res, 300));
    const row = (await admin.request('channels.senders.list', { accountId: 'hook' })).payload.senders[0];
    assert.equal(row.messageCount, 1, 'the redelivered update was not handled again');
    assert.equal(tg.calls.filter((c) => c.token === HOOK && c.method === 'getUpdates').length, 0, 'no polling in webhook mode');
    assert.equal((await admin.request('channels.remove', { type: 'telegram', accountId: 'hook' })).ok, true);
    assert.equal(s.vault.secrets.list('channel').some((x) => x.name.startsWith('telegram:hook:')), false, 'remove deletes the webhook secret too');
  });

  test('sealed vault: accounts wait ("waiting_for_vault") and start on unseal; remove stops polling', async () => {
    const r = await admin.request('channels.add', { type: 'telegram', accountId: 'sealed', config: { token: TOKEN, api_base_url: tg.url, poll_timeout_secs: 1 } });
    assert.equal(r.payload.account.state, 'running');
    const key = (await createKey(s, cookie, ['operator.admin'])).key;
    admin.close();
    await s.stop({ keepDirs: true });
    s = await startTestServer({ dirs: s.dirs, toml: `[channels]\nallow_private_api_urls = true\n` });
    admin = await connect(s, key, ['*']);
    assert.equal(s.vault.status(), 'sealed');
    const st = await admin.request('channels.status', {});
    assert.equal(st.payload.accounts.find((a: any) => a.accountId === 'sealed').state, 'waiting_for_vault');
    // While sealed no token can be stored either.
    assert.equal((await admin.request('channels.add', { type: 'telegram', accountId: 'x', config: { token: TOKEN, api_base_url: tg.url } })).error?.code, 'VAULT_SEALED');
    const login = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    assert.equal(login.status, 200);
    await admin.next(status(admin, 'sealed', 'running'), 10_000);
    // Removing the account stops its polling and deletes its token from the vault.
    assert.equal((await admin.request('channels.remove', { type: 'telegram', accountId: 'sealed' })).ok, true);
    assert.equal(s.vault.secrets.list('channel').some((x) => x.name.startsWith('telegram:sealed:')), false);
    const polls = tg.calls.filter((c) => c.method === 'getUpdates').length;
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(tg.calls.filter((c) => c.method === 'getUpdates').length, polls, 'no polling after remove');
  });
});
