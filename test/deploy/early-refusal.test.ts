/**
 * A refusal sent before the request body arrived, towards a reverse proxy that streams bodies
 * (Caddy does): closing the connection there makes the proxy's late body write fail and the
 * client gets the proxy's 502 instead of our 429 with Retry-After (seen through real Caddy in
 * about 1 request in 200). Towards a trusted proxy the connection stays open and the late body
 * is discarded; towards anyone else an early refusal still closes the connection.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, type TestServer } from '../support/server.js';

const BODY = JSON.stringify({ password: 'wrong password' });
const head = (port: number) => `POST /api/auth/login HTTP/1.1\r\nHost: moltis.localhost:${port}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n`;

/** Reads from `sock` until `n` complete responses (by status line) arrived or it closed. */
function collect(sock: net.Socket) {
  let data = '';
  let closed = false;
  sock.on('data', (d) => { data += d.toString(); });
  sock.on('close', () => { closed = true; });
  sock.on('error', () => { /* a reset is a close here */ });
  const responses = () => data.split(/(?=HTTP\/1\.1 \d{3} )/).filter((r) => r.startsWith('HTTP/1.1'));
  return {
    responses,
    closed: () => closed,
    async until(pred: () => boolean, ms = 3000) {
      const end = Date.now() + ms;
      while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

describe('an early refusal behind a proxy', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' }, toml: '[server.throttle]\nlogin_max = 0\n' }); });
  after(() => s.stop());

  test('towards the trusted proxy: 429 without Connection: close; the late body is discarded and the connection serves on', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: s.port });
    const c = collect(sock);
    sock.write(head(s.port));
    await c.until(() => c.responses().length === 1);
    const first = c.responses()[0] ?? '';
    assert.match(first, /^HTTP\/1\.1 429 /);
    assert.match(first, /\r\nretry-after: \d+\r\n/i);
    assert.doesNotMatch(first, /\r\nconnection: close\r\n/i);
    // The proxy finishes writing the body it was streaming, then reuses the connection.
    sock.write(BODY);
    sock.write(`GET /health HTTP/1.1\r\nHost: moltis.localhost:${s.port}\r\n\r\n`);
    await c.until(() => c.responses().length === 2);
    assert.equal(c.closed(), false);
    assert.match(c.responses()[1] ?? '', /^HTTP\/1\.1 200 /);
    sock.destroy();
  });

  test('towards any other peer an early refusal still closes the connection', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: s.port, localAddress: '127.0.0.2' });
    const c = collect(sock);
    sock.write(head(s.port));
    await c.until(() => c.closed());
    assert.match(c.responses()[0] ?? '', /^HTTP\/1\.1 429 [^]*\r\nconnection: close\r\n/i);
    assert.equal(c.closed(), true);
  });
});
