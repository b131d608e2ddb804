/**
 * Plain HTTP where the gateway speaks TLS, over real sockets: the TLS port answers a plain request
 * with a redirect to https on the same host and port (not a TLS alert) and still serves TLS and
 * WebSockets; a silent connection is dropped at the header deadline; behind a proxy that speaks
 * TLS upstream the answer is an error page (a redirect would loop); `[server] http_redirect_port`
 * serves the redirect on a second port, and a taken port stops start-up naming the key.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';
import { WsClient } from '../support/ws.js';
import { StartupError } from '../../src/server/index.js';
import { freePort } from './proxies.js';

/** Sends `text` on a raw TCP connection and resolves with everything received until close. */
function raw(port: number, text: string | null, timeoutMs = 5000): Promise<{ data: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`connection still open after ${timeoutMs} ms; got ${JSON.stringify(data)}`)); }, timeoutMs);
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', () => { /* a reset ends the connection like a close */ });
    sock.on('close', () => { clearTimeout(timer); resolve({ data, ms: Date.now() - t0 }); });
    if (text !== null) sock.write(text);
  });
}

const get = (path: string, host: string) => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: test\r\n\r\n`;

describe('plain HTTP on the TLS port', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ tls: true, toml: 'headers_timeout_secs = 1\n' }); });
  after(() => s.stop());

  test('a plain GET gets a 307 to https on the same host and port, then the connection closes', async () => {
    const r = await raw(s.port, get('/chat?x=1', `localhost:${s.port}`));
    assert.match(r.data, /^HTTP\/1\.1 307 Temporary Redirect\r\n/);
    assert.match(r.data, new RegExp(`\\r\\nLocation: https://localhost:${s.port}/chat\\?x=1\\r\\n`));
    // node's own client reads it as an ordinary response.
    const n = await request(`http://127.0.0.1:${s.port}/health`, { headers: { host: `127.0.0.1:${s.port}` } });
    assert.equal(n.status, 307);
    assert.equal(n.headers.location, `https://127.0.0.1:${s.port}/health`);
    assert.equal(n.headers['cache-control'], 'no-store');
  });

  test('the same port still serves HTTPS and secure WebSockets', async () => {
    const r = await request(`${s.url}/health`, { ca: s.tls!.caPem! });
    assert.equal(r.status, 200);
    const ws = await WsClient.open(`wss://127.0.0.1:${s.port}/ws`, {}, { ca: s.tls!.caPem! });
    try { assert.equal((await ws.connect()).ok, true); } finally { ws.close(); }
  });

  test('a request head split over several packets is still answered', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: s.port });
    let data = '';
    sock.on('data', (d) => { data += d.toString(); });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('GE');
    await new Promise((r) => setTimeout(r, 50));
    sock.write(`T /a HTTP/1.1\r\nHost: localhost:${s.port}\r\n`);
    await new Promise((r) => setTimeout(r, 50));
    sock.write('\r\n');
    await closed;
    assert.match(data, new RegExp(`Location: https://localhost:${s.port}/a\\r\\n`));
  });

  test('a connection that sends nothing is dropped at the header deadline (1 s here)', async () => {
    const r = await raw(s.port, null, 4000);
    assert.equal(r.data, '');
    assert.ok(r.ms >= 900 && r.ms < 3000, `closed after ${r.ms} ms`);
  });

  test('a forged Host cannot inject headers or become a redirect elsewhere than itself', async () => {
    const r = await raw(s.port, `GET / HTTP/1.1\r\nHost: a.lan:1\r\nHost: evil.example\r\n\r\n`);
    assert.match(r.data, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(r.data, /Location:/);
  });
});

describe('plain HTTP behind a proxy that speaks TLS upstream (MOLTIS_ALLOW_TLS_BEHIND_PROXY)', () => {
  test('an error page that names the fix, never a redirect', async (t) => {
    const s = await startTestServer({ tls: true, env: { MOLTIS_BEHIND_PROXY: 'true', MOLTIS_ALLOW_TLS_BEHIND_PROXY: 'true' } });
    t.after(() => s.stop());
    const r = await raw(s.port, get('/', 'chat.example.com'));
    assert.match(r.data, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.doesNotMatch(r.data, /Location:/);
    assert.match(r.data, /--no-tls/);
  });
});

describe('[server] http_redirect_port', () => {
  test('redirects every plain request to the HTTPS port and closes with the gateway', async (t) => {
    const rp = await freePort();
    const s = await startTestServer({ tls: true, toml: `http_redirect_port = ${rp}\n` });
    t.after(() => s.stop());
    assert.equal(s.redirectPort, rp);
    const r = await request(`http://127.0.0.1:${rp}/settings?tab=keys`, { headers: { host: `localhost:${rp}` } });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, `https://localhost:${s.port}/settings?tab=keys`);
    // Following it reaches the gateway over TLS.
    assert.equal((await request(`https://127.0.0.1:${s.port}/health`, { ca: s.tls!.caPem! })).status, 200);
    await s.stop();
    await assert.rejects(request(`http://127.0.0.1:${rp}/`), /ECONNREFUSED/);
  });

  test('a port already in use stops start-up naming the key', async (t) => {
    const taken = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    t.after(() => { taken.close(); });
    const port = (taken.address() as net.AddressInfo).port;
    const root = mkdtempSync(join(tmpdir(), 'moltis-redirect-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const dirs = { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
    await assert.rejects(startTestServer({ tls: true, dirs, toml: `http_redirect_port = ${port}\n` }), (err: Error) => {
      assert.ok(err instanceof StartupError, String(err));
      assert.match(err.message, new RegExp(`http_redirect_port ${port} on 127\\.0\\.0\\.1: already in use`));
      return true;
    });
  });

  test('ignored, with a note, when TLS is off', async (t) => {
    const s = await startTestServer({ toml: `http_redirect_port = ${await freePort()}\n` });
    t.after(() => s.stop());
    assert.equal(s.redirectPort, null);
    assert.ok(s.printed.some((l) => /http_redirect_port = \d+ is ignored: TLS is off/.test(l)), s.printed.join('\n'));
  });
});
