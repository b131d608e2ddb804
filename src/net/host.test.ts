import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, parseAuthority } from './index.js';

test('parseAuthority: names, IPs and ports as a browser reads them', () => {
  const cases: Array<[string, { host: string; port: number | null }]> = [
    ['Example.COM:443', { host: 'example.com', port: 443 }],
    ['localhost.', { host: 'localhost', port: null }],
    ['LOCALHOST.:13131', { host: 'localhost', port: 13131 }],
    ['[::1]:13131', { host: '::1', port: 13131 }],
    ['[0:0:0:0:0:0:0:1]', { host: '::1', port: null }],
    ['::1', { host: '::1', port: null }],
    ['[::ffff:7f00:1]:80', { host: '127.0.0.1', port: 80 }],
    ['0x7f.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['bücher.example', { host: 'xn--bcher-kva.example', port: null }],
    ['example.com:', { host: 'example.com', port: null }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseAuthority(input), want, input);
});

test('parseAuthority: refuses what no Host or origin authority carries', () => {
  for (const bad of ['', ' localhost', 'localhost ', 'user@localhost', 'localhost/x', 'localhost?x', 'localhost#x', 'local\\host',
    'loc%61lhost', 'localhost:99999', 'localhost:-1', 'localhost:8o', '[::1', '[::1]x', '[127.0.0.1]', '[fe80::1%25eth0]', '1.2.3.09', 'a[b']) {
    assert.equal(parseAuthority(bad), null, bad);
  }
});

test('isLoopbackHost: localhost, *.localhost, all of 127/8, ::1 and mapped, with or without a port', () => {
  for (const host of ['localhost', 'LocalHost:1', 'moltis.localhost', 'a.b.localhost:13131', '127.0.0.1', '127.0.0.2:13131', '127.9.9.9',
    '[::1]', '[::1]:13131', '::1', '[::ffff:127.0.0.1]:443', '2130706433', 'localhost.']) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ['localhost.evil.com', 'evillocalhost', '.localhost', '128.0.0.1', '[::2]', '[::ffff:10.0.0.1]', '0.0.0.0', '::',
    '127.0.0.1.evil.com', 'localhost:99999', '[127.0.0.1]', '', 'user@localhost']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});
