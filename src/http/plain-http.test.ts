import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { plainHttpAnswer } from './plain-http.js';

const head = (target: string, ...headers: string[]) => [`GET ${target} HTTP/1.1`, ...headers].join('\r\n');
const same = { mode: 'redirect' as const, httpsPort: null, localPort: 13131 };
const statusOf = (r: string) => r.split('\r\n')[0];
const locationOf = (r: string) => /\r\nLocation: ([^\r]*)\r\n/.exec(r)?.[1];

describe('plainHttpAnswer', () => {
  test('redirects to https on the host and port the browser used, path kept', () => {
    const r = plainHttpAnswer(head('/chat?x=1', 'Host: nas.lan:13131', 'Accept: */*'), same);
    assert.equal(statusOf(r), 'HTTP/1.1 307 Temporary Redirect');
    assert.equal(locationOf(r), 'https://nas.lan:13131/chat?x=1');
    assert.match(r, /\r\nConnection: close\r\n/);
    assert.match(r, /\r\nCache-Control: no-store\r\n/);
  });

  test('a Host without a port: the port the socket reached; 443 is left out', () => {
    assert.equal(locationOf(plainHttpAnswer(head('/', 'Host: localhost'), same)), 'https://localhost:13131/');
    assert.equal(locationOf(plainHttpAnswer(head('/', 'Host: localhost'), { ...same, localPort: 443 })), 'https://localhost/');
  });

  test('the redirect listener sends to the HTTPS port whatever port the Host names', () => {
    assert.equal(locationOf(plainHttpAnswer(head('/a', 'host: 127.0.0.1:13132'), { mode: 'redirect', httpsPort: 13131, localPort: 13132 })), 'https://127.0.0.1:13131/a');
    assert.equal(locationOf(plainHttpAnswer(head('/a', 'Host: [::1]:13132'), { mode: 'redirect', httpsPort: 13131, localPort: 13132 })), 'https://[::1]:13131/a');
  });

  test('the Location is rebuilt from the parsed host: no header injection, no foreign userinfo', () => {
    // A CR LF in a request only makes another request header; the response carries none of it.
    const split = plainHttpAnswer(head('/', 'Host: evil.example\r\nSet-Cookie: a=b'), same);
    assert.doesNotMatch(split, /set-cookie/i);
    for (const host of ['user@evil.example', 'evil.example\tx', 'a b', 'good.lan:99999', 'good.lan/x']) {
      const r = plainHttpAnswer(head('/', `Host: ${host}`), same);
      assert.equal(statusOf(r), 'HTTP/1.1 400 Bad Request', host);
      assert.equal(locationOf(r), undefined, host);
    }
    // Upper case and IDN are normalized as a browser would.
    assert.equal(locationOf(plainHttpAnswer(head('/', 'Host: NAS.LAN:1'), same)), 'https://nas.lan:1/');
  });

  test('no Host, several Hosts, or a request line that is not HTTP/1.x: an error page, no redirect', () => {
    for (const h of [head('/'), head('/', 'Host: a.lan', 'Host: b.lan'), 'GET / HTTP/2.0\r\nHost: a.lan', 'garbage', '']) {
      const r = plainHttpAnswer(h, same);
      assert.equal(statusOf(r), 'HTTP/1.1 400 Bad Request', JSON.stringify(h));
      assert.match(r, /speaks HTTPS only: open https:\/\/<this host>:13131\//);
    }
  });

  test('an absolute-form or odd target goes to the root; the path never changes the host', () => {
    assert.equal(locationOf(plainHttpAnswer(head('http://evil.example/x', 'Host: a.lan:1'), same)), 'https://a.lan:1/');
    assert.equal(locationOf(plainHttpAnswer(head('//evil.example/x', 'Host: a.lan:1'), same)), 'https://a.lan:1//evil.example/x');
    assert.equal(new URL(locationOf(plainHttpAnswer(head('//evil.example/x', 'Host: a.lan:1'), same))!).host, 'a.lan:1');
  });

  test('behind a proxy: an error page naming the fix, never a redirect (it would loop through the proxy)', () => {
    const r = plainHttpAnswer(head('/', 'Host: chat.example.com'), { mode: 'refuse', httpsPort: null, localPort: 13131 });
    assert.equal(statusOf(r), 'HTTP/1.1 400 Bad Request');
    assert.equal(locationOf(r), undefined);
    assert.match(r, /--no-tls/);
  });
});
