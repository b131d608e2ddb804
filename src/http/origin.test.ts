import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkOrigin, isSameOrigin } from './origin.js';

type Input = Parameters<typeof checkOrigin>[0];
const check = (origin: string | undefined, headers: Input['headers'], extra: Partial<Input> = {}) =>
  checkOrigin({ origin, headers, behindProxy: false, allowedOrigins: [], ...extra });

describe('isSameOrigin', () => {
  it('matches the same origin, with loopback names interchangeable', () => {
    assert.equal(isSameOrigin('https://localhost:13131', 'localhost:13131'), true);
    assert.equal(isSameOrigin('http://localhost:13131', '127.0.0.1:13131'), true);
    assert.equal(isSameOrigin('https://[::1]:13131', 'moltis.localhost:13131'), true);
    assert.equal(isSameOrigin('https://chat.example.com', 'chat.example.com'), true);
  });
  it('refuses other hosts, look-alikes and other ports', () => {
    assert.equal(isSameOrigin('https://evil.com', 'localhost'), false);
    assert.equal(isSameOrigin('https://evil.com:13131', 'localhost:13131'), false);
    assert.equal(isSameOrigin('http://localhost.evil.com:13131', 'localhost:13131'), false);
    assert.equal(isSameOrigin('https://localhost:8080', 'localhost:13131'), false);
    assert.equal(isSameOrigin('https://example.com.evil.com', 'example.com'), false);
  });
  it('defaults ports from the origin scheme', () => {
    assert.equal(isSameOrigin('https://example.com', 'example.com'), true);
    assert.equal(isSameOrigin('https://example.com', 'example.com:443'), true);
    assert.equal(isSameOrigin('https://example.com:443', 'example.com'), true);
    assert.equal(isSameOrigin('wss://example.com', 'example.com:443'), true);
    assert.equal(isSameOrigin('https://example.com', 'example.com:80'), false);
    assert.equal(isSameOrigin('http://example.com', 'example.com:80'), true);
  });
  it('compares host names case-insensitively and via IDN', () => {
    assert.equal(isSameOrigin('https://Chat.EXAMPLE.com', 'CHAT.example.COM:443'), true);
    assert.equal(isSameOrigin('https://xn--bcher-kva.example', 'bücher.example'), true);
  });
  it('refuses null, junk, odd schemes, paths and userinfo', () => {
    for (const bad of ['null', '', 'localhost:13131', 'file:///etc', 'ftp://localhost:13131', 'chrome-extension://abc',
      'https://localhost:13131/path', 'https://user@localhost:13131', 'https://localhost:13131?x', 'https://localhost:13131\\x']) {
      assert.equal(isSameOrigin(bad, 'localhost:13131'), false, bad);
    }
    assert.equal(isSameOrigin('https://localhost:13131', 'localhost:13131/x'), false);
    assert.equal(isSameOrigin('https://localhost:13131', ''), false);
  });
});

describe('checkOrigin', () => {
  it('allows a missing Origin unless one is required', () => {
    assert.deepEqual(check(undefined, { host: 'localhost:13131' }), { ok: true });
    assert.deepEqual(check(undefined, { host: 'localhost:13131' }, { requireOrigin: true }), { ok: false, reason: 'origin_missing' });
  });
  it('refuses Origin: null even when "null" is allow-listed', () => {
    assert.deepEqual(check('null', { host: 'localhost:13131' }, { allowedOrigins: ['null'] }), { ok: false, reason: 'origin_null' });
  });
  it('refuses cross-site origins', () => {
    assert.deepEqual(check('https://evil.com', { host: 'localhost:13131' }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('not a url', { host: 'localhost:13131' }), { ok: false, reason: 'origin_invalid' });
    assert.deepEqual(check('https://localhost:13131', {}), { ok: false, reason: 'host_invalid' });
  });
  it('accepts same origin and loopback equivalence', () => {
    assert.deepEqual(check('https://localhost:13131', { host: 'localhost:13131' }), { ok: true });
    assert.deepEqual(check('http://localhost:13131', { host: '127.0.0.1:13131' }), { ok: true });
  });
  it('uses the first X-Forwarded-Host only behind a proxy', () => {
    const headers = { host: '127.0.0.1:13131', 'x-forwarded-host': 'chat.example.com, evil.com' };
    assert.deepEqual(check('https://chat.example.com', headers, { behindProxy: true }), { ok: true });
    assert.deepEqual(check('https://evil.com', headers, { behindProxy: true }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com', headers), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com', { host: 'chat.example.com' }, { behindProxy: true }), { ok: true });
  });
  it('accepts configured allowed origins by exact scheme, host and port', () => {
    const allowedOrigins = ['https://chat.example.com', 'http://LAN.example:8080/'];
    const headers = { host: 'localhost:13131' };
    assert.deepEqual(check('https://chat.example.com', headers, { allowedOrigins }), { ok: true });
    assert.deepEqual(check('https://CHAT.example.com:443', headers, { allowedOrigins }), { ok: true });
    assert.deepEqual(check('http://lan.example:8080', headers, { allowedOrigins }), { ok: true });
    assert.deepEqual(check('http://chat.example.com', headers, { allowedOrigins }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com:8443', headers, { allowedOrigins }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com.evil.com', headers, { allowedOrigins }), { ok: false, reason: 'origin_mismatch' });
  });
  it('handles upper-case Host and Origin', () => {
    assert.deepEqual(check('HTTPS://LOCALHOST:13131', { host: 'LocalHost:13131' }), { ok: true });
    assert.deepEqual(check('https://Example.COM', { host: 'EXAMPLE.com' }), { ok: true });
  });
});
