import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter } from './limits.js';
import { createOtp, OTP_TTL_MS } from './otp.js';
import { splitText } from './telegram/send.js';
import { pinApiUrl } from './api-url.js';
import { channelTurnPolicy, isChannelSession, lowerLevel, canSeeSession, canReceive } from '../policy/index.js';

test('rate limiter: max per window, one notice, a new window resets; a full table refuses new keys', () => {
  let t = 0;
  const r = createRateLimiter({ max: 2, windowMs: 60_000, now: () => t, maxKeys: 2 });
  assert.deepEqual([r.hit('a'), r.hit('a'), r.hit('a'), r.hit('a')], [{ ok: true }, { ok: true }, { ok: false, first: true }, { ok: false, first: false }]);
  assert.deepEqual(r.hit('b'), { ok: true });
  assert.deepEqual(r.hit('c'), { ok: false, first: false }); // table full of live windows: fail closed
  t = 60_000;
  assert.deepEqual(r.hit('c'), { ok: true }); // expired windows are swept
  assert.deepEqual(r.hit('a'), { ok: true });
});

test('otp: single use, constant length, 3 tries then lockout, expiry after 300 s', () => {
  let t = 0;
  let n = 123456;
  const otp = createOtp({ now: () => t, randomInt: () => n });
  const c = otp.issue('k')!;
  assert.equal(c.code, '123456');
  assert.equal(otp.issue('k'), null, 'no second code while one is live');
  assert.deepEqual(otp.check('k', '12345', 1000), { result: 'wrong', remaining: 2 });
  assert.deepEqual(otp.check('k', '1234567', 1000), { result: 'wrong', remaining: 1 });
  assert.deepEqual(otp.check('k', '123456', 1000), { result: 'ok' });
  assert.deepEqual(otp.check('k', '123456', 1000), { result: 'none' }, 'single use');
  n = 654321;
  otp.issue('k');
  for (let i = 0; i < 2; i++) otp.check('k', '000000', 5000);
  assert.equal(otp.check('k', '000000', 5000).result, 'locked');
  assert.equal(otp.check('k', '654321', 5000).result, 'locked', 'the right code is refused while locked');
  assert.equal(otp.issue('k'), null);
  t = 5001;
  otp.issue('k');
  t += OTP_TTL_MS;
  assert.equal(otp.check('k', '654321', 5000).result, 'expired');
});

test('splitText: parts within the limit, preferring line breaks, never splitting a surrogate pair', () => {
  assert.deepEqual(splitText('short', 10), ['short']);
  assert.deepEqual(splitText('aaaa\nbbbb\ncc', 10), ['aaaa\nbbbb', 'cc']);
  const emoji = 'x'.repeat(9) + '😀' + 'y';
  const parts = splitText(emoji, 10);
  assert.ok(parts.every((p) => p.length <= 10));
  assert.equal(parts.join(''), emoji);
  assert.ok(!parts.some((p) => /[\ud800-\udbff]$/.test(p)));
  assert.deepEqual(splitText('   ', 10), ['…'], 'Telegram refuses empty text');
});

test('api_base_url: private addresses refused unless allowed; the token never goes over plain http to a public host', async () => {
  const lookup = (ip: string) => async () => [{ address: ip, family: 4 as const }];
  await assert.rejects(pinApiUrl('https://api.example.test', { allowPrivate: false, allowlist: [], lookup: lookup('10.1.2.3') }), /SSRF blocked/);
  await assert.rejects(pinApiUrl('https://169.254.169.254', { allowPrivate: false, allowlist: [] }), /SSRF blocked/);
  await assert.rejects(pinApiUrl('http://api.example.test', { allowPrivate: false, allowlist: [], lookup: lookup('93.184.216.34') }), /must be https/);
  await assert.rejects(pinApiUrl('http://api.example.test', { allowPrivate: true, allowlist: [], lookup: lookup('93.184.216.34') }), /plain http/);
  const ok = await pinApiUrl('https://api.example.test', { allowPrivate: false, allowlist: [], lookup: lookup('93.184.216.34') });
  assert.equal(ok.address, '93.184.216.34');
  ok.close();
  const local = await pinApiUrl('http://bot-api.lan:8081', { allowPrivate: true, allowlist: [], lookup: lookup('192.168.1.5') });
  assert.equal(local.address, '192.168.1.5');
  local.close();
});

test('levels: one policy table; read-only acts on nothing, execute always asks, a sender only lowers', () => {
  const ro = channelTurnPolicy('read-only', { webFetch: false });
  assert.deepEqual([[...ro.tools!], ro.scopes, ro.approval], [['current_time'], ['operator.read'], 'always']);
  assert.deepEqual([...channelTurnPolicy('read-only', { webFetch: true }).tools!].sort(), ['current_time', 'web_fetch']);
  const ex = channelTurnPolicy('execute', { webFetch: false });
  assert.deepEqual([[...ex.tools!].sort(), ex.approval], [['current_time', 'exec'], 'always']);
  assert.equal(channelTurnPolicy('admin', { webFetch: false }).tools, null);
  assert.equal(channelTurnPolicy('bogus' as 'admin', { webFetch: true }).level, 'read-only', 'unknown levels fail closed');
  assert.equal(lowerLevel('admin', 'read-only'), 'read-only');
  assert.equal(lowerLevel('read-only', 'admin'), 'read-only');
});

test('channel sessions (telegram:, slack:, channel:) are admin-only, in lists and in events', () => {
  for (const k of ['telegram:acct:1', 'slack:w:C1', 'channel:x']) {
    assert.equal(isChannelSession(k), true);
    assert.equal(canSeeSession(k, ['operator.read', 'operator.write']), false);
    assert.equal(canSeeSession(k, ['operator.admin']), true);
    assert.equal(canReceive('chat', { sessionKey: k }, ['operator.read']), false);
  }
  assert.equal(isChannelSession('main'), false);
  assert.equal(canReceive('channel.sender.pending', { type: 'telegram', senderId: '1' }, ['operator.read']), true);
  assert.equal(canReceive('channel.sender.otp', { type: 'telegram', senderId: '1', code: '123456' }, ['operator.read', 'operator.write']), false);
});
