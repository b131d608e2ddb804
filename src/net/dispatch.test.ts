import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { WebSocket } from 'undici';
import { createGuardedDispatcher, createGuardedFetch } from './dispatch.js';
import type { Lookup } from './guard.js';

/** A server that counts hits and closes every connection (so each request dials anew). */
async function server(host: string, port = 0): Promise<{ srv: Server; port: number; hits: () => number }> {
  let hits = 0;
  const srv = createServer((_req, res) => { hits++; res.setHeader('connection', 'close'); res.end(`hello from ${host}`); });
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(port, host, resolve); });
  return { srv, port: (srv.address() as AddressInfo).port, hits: () => hits };
}
/** fetch wraps dial errors in `fetch failed`; the guard's reason is the cause. */
const why = (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message);
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

test('a rebinding name cannot move a later dial to a forbidden address: every connection is checked as it dials', async () => {
  const good = await server('127.0.0.1');
  // The "internal" service on another loopback address, same port: where a rebinding answer points.
  const internal = await server('127.0.0.3', good.port);
  try {
    let calls = 0;
    // First answer passes the guard; every later answer rebinds to the internal address.
    const lookup: Lookup = async () => [{ address: calls++ === 0 ? '127.0.0.1' : '127.0.0.3', family: 4 }];
    const f = createGuardedFetch({ allowlist: ['127.0.0.1/32'], lookup });
    const url = `http://models.example:${good.port}/v1/models`;
    assert.equal(await (await f(url)).text(), 'hello from 127.0.0.1');
    await assert.rejects(f(url), (err: Error) => /SSRF blocked: models\.example resolves to .*127\.0\.0\.3/.test(why(err)));
    assert.equal(internal.hits(), 0, 'the rebinding answer must never be dialed');
    assert.equal(good.hits(), 1);
  } finally {
    await Promise.all([close(good.srv), close(internal.srv)]);
  }
});

test('an IP-literal URL is checked before the request (net.connect never resolves literals)', async () => {
  const internal = await server('127.0.0.3');
  try {
    const f = createGuardedFetch({ allowlist: ['127.0.0.1/32'] });
    await assert.rejects(f(`http://127.0.0.3:${internal.port}/`), (err: Error) => /SSRF blocked/.test(why(err)));
    assert.equal(internal.hits(), 0);
    // The same address, allowed on purpose, is dialed.
    const open = createGuardedFetch({ allowlist: ['127.0.0.3/32'] });
    assert.equal(await (await open(`http://127.0.0.3:${internal.port}/`)).text(), 'hello from 127.0.0.3');
  } finally {
    await close(internal.srv);
  }
});

test('a name that fails to resolve is not dialed and says why', async () => {
  const lookup: Lookup = async () => { throw new Error('ENOTFOUND nowhere.example'); };
  const f = createGuardedFetch({ lookup });
  await assert.rejects(f('http://nowhere.example/'), (err: Error) => /DNS resolution failed/.test(why(err)));
});

test('a WebSocket opened through the dispatcher (as Slack Socket Mode does) reaches allowed addresses only', async () => {
  const ok = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const bad = new WebSocketServer({ host: '127.0.0.3', port: 0 });
  let badHits = 0;
  bad.on('connection', (s) => { badHits++; s.send('pwned'); });
  ok.on('connection', (s) => s.send('hello'));
  await Promise.all([new Promise((r) => ok.once('listening', r)), new Promise((r) => bad.once('listening', r))]);
  const port = (w: WebSocketServer) => (w.address() as AddressInfo).port;
  const dispatcher = await createGuardedDispatcher({ allowlist: ['127.0.0.1/32'] });
  const open = (url: string) => new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(url, { dispatcher });
    ws.onmessage = (m) => { resolve(String(m.data)); ws.close(); };
    ws.onerror = () => reject(new Error('refused'));
  });
  try {
    assert.equal(await open(`ws://127.0.0.1:${port(ok)}/`), 'hello');
    await assert.rejects(open(`ws://127.0.0.3:${port(bad)}/`), /refused/);
    assert.equal(badHits, 0, 'the forbidden address must never be dialed');
  } finally {
    await dispatcher.close();
    await Promise.all([new Promise((r) => ok.close(r)), new Promise((r) => bad.close(r))]);
  }
});
