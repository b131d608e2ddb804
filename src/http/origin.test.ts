import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkOrigin, isSameOrigin } from './origin.js';

type Input = Parameters<typeof checkOrigin>[0];
const check = (origin: string | undefined, headers: Input['headers'], extra: Partial<Input> = {}) =>
  checkOrigin({ origin, headers, listenerScheme: 'https', behindProxy: false, allowedOrigins: [], ...extra });

describe('isSameOrigin', () => {
  it('matches the same origin, with loopback names interchangeable', () => {
    assert.equal(isSameOrigin('https://localhost:13131', 'localhost:13131', 'https'), true);
    assert.equal(isSameOrigin('http://localhost:13131', '127.0.0.1:13131', 'http'), true);
    assert.equal(isSameOrigin('https://[::1]:13131', 'moltis.localhost:13131', 'https'), true);
    assert.equal(isSameOrigin('https://127.0.0.2:13131', '[::ffff:127.0.0.1]:13131', 'https'), true);
    assert.equal(isSameOrigin('https://chat.example.com', 'chat.example.com', 'https'), true);
  });
  it('refuses other hosts, look-alikes and other ports', () => {
    assert.equal(isSameOrigin('https://evil.com', 'localhost', 'https'), false);
    assert.equal(isSameOrigin('https://evil.com:13131', 'localhost:13131', 'https'), false);
    assert.equal(isSameOrigin('http://localhost.evil.com:13131', 'localhost:13131', 'http'), false);
    assert.equal(isSameOrigin('https://localhost:8080', 'localhost:13131', 'https'), false);
    assert.equal(isSameOrigin('https://example.com.evil.com', 'example.com', 'https'), false);
  });
  it('compares schemes: http is not https, ws is http and wss is https', () => {
    // The attack from the issue: a plain-HTTP page driving the TLS listener.
    assert.equal(isSameOrigin('http://localhost', 'localhost', 'https'), false);
    assert.equal(isSameOrigin('http://127.0.0.1:13131', '127.0.0.1:13131', 'https'), false);
    assert.equal(isSameOrigin('https://127.0.0.1:13131', '127.0.0.1:13131', 'http'), false);
    assert.equal(isSameOrigin('wss://localhost:13131', 'localhost:13131', 'https'), true);
    assert.equal(isSameOrigin('ws://localhost:13131', 'localhost:13131', 'http'), true);
    assert.equal(isSameOrigin('ws://localhost:13131', 'localhost:13131', 'https'), false);
  });
  it('defaults a missing Host port from the listener scheme, a missing Origin port from the Origin scheme', () => {
    assert.equal(isSameOrigin('https://example.com', 'example.com', 'https'), true);
    assert.equal(isSameOrigin('https://example.com', 'example.com:443', 'https'), true);
    assert.equal(isSameOrigin('https://example.com:443', 'example.com', 'https'), true);
    assert.equal(isSameOrigin('wss://example.com', 'example.com:443', 'https'), true);
    assert.equal(isSameOrigin('https://example.com', 'example.com:80', 'https'), false);
    assert.equal(isSameOrigin('http://example.com', 'example.com:80', 'http'), true);
    // Before: the Host's missing port came from the Origin's scheme, so this matched.
    assert.equal(isSameOrigin('http://example.com:443', 'example.com', 'https'), false);
    assert.equal(isSameOrigin('https://example.com:80', 'example.com', 'http'), false);
  });
  it('compares host names case-insensitively and via IDN', () => {
    assert.equal(isSameOrigin('https://Chat.EXAMPLE.com', 'CHAT.example.COM:443', 'https'), true);
    assert.equal(isSameOrigin('https://xn--bcher-kva.example', 'bücher.example', 'https'), true);
  });
  it('refuses null, junk, odd schemes, paths and userinfo', () => {
    for (const bad of ['null', '', 'localhost:13131', 'file:///etc', 'ftp://localhost:13131', 'chrome-extension://abc',
      'https://localhost:13131/path', 'https://user@localhost:13131', 'https://localhost:13131?x', 'https://localhost:13131\\x',
      'https://localhost:13131\n', 'https://', 'constructor://localhost:13131']) {
      assert.equal(isSameOrigin(bad, 'localhost:13131', 'https'), false, bad);
    }
    assert.equal(isSameOrigin('https://localhost:13131', 'localhost:13131/x', 'https'), false);
    assert.equal(isSameOrigin('https://localhost:13131', '', 'https'), false);
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
    assert.deepEqual(check('http://localhost:13131', { host: '127.0.0.1:13131' }, { listenerScheme: 'http' }), { ok: true });
  });
  it('compares the scheme with the listener\'s', () => {
    assert.deepEqual(check('http://localhost', { host: 'localhost' }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('http://127.0.0.1:13131', { host: '127.0.0.1:13131' }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://localhost', { host: 'localhost' }), { ok: true });
    assert.deepEqual(check('https://localhost:13131', { host: 'localhost:13131' }, { listenerScheme: 'http' }), { ok: false, reason: 'origin_mismatch' });
  });
  it('uses the first X-Forwarded-Host / -Proto / -Port only behind a proxy', () => {
    const headers = { host: '127.0.0.1:13131', 'x-forwarded-host': 'chat.example.com, evil.com', 'x-forwarded-proto': 'https, http' };
    const proxy = { behindProxy: true, listenerScheme: 'http' as const };
    assert.deepEqual(check('https://chat.example.com', headers, proxy), { ok: true });
    assert.deepEqual(check('https://evil.com', headers, proxy), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('http://chat.example.com', headers, proxy), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com', headers, { listenerScheme: 'http' }), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com', { host: 'chat.example.com', 'x-forwarded-proto': 'https' }, proxy), { ok: true });
    // No X-Forwarded-Proto: the listener's scheme, so an https page is not proven ours (fail closed).
    assert.deepEqual(check('https://chat.example.com', { host: 'chat.example.com' }, proxy), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('http://chat.example.com', { host: 'chat.example.com' }, proxy), { ok: true });
    // X-Forwarded-Port fills a missing port; an explicit port in the forwarded host wins.
    const port = { 'x-forwarded-host': 'chat.example.com', 'x-forwarded-proto': 'wss', 'x-forwarded-port': '8443' };
    assert.deepEqual(check('https://chat.example.com:8443', port, proxy), { ok: true });
    assert.deepEqual(check('https://chat.example.com', port, proxy), { ok: false, reason: 'origin_mismatch' });
    assert.deepEqual(check('https://chat.example.com:9443', { ...port, 'x-forwarded-host': 'chat.example.com:9443' }, proxy), { ok: true });
    // Unreadable forwarded values are refusals, not fallbacks.
    assert.deepEqual(check('https://chat.example.com', { ...port, 'x-forwarded-proto': 'gopher' }, proxy), { ok: false, reason: 'forwarded_invalid' });
    assert.deepEqual(check('https://chat.example.com', { ...port, 'x-forwarded-port': '99999' }, proxy), { ok: false, reason: 'forwarded_invalid' });
    assert.deepEqual(check('https://chat.example.com', { ...port, 'x-forwarded-host': 'a b' }, proxy), { ok: false, reason: 'host_invalid' });
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
