/**
 * A long paste must not kill the chat: a frame over the protocol limit is answered with a
 * PAYLOAD_TOO_LARGE error (the socket stays usable); only a frame beyond what the socket reads
 * closes it (1009), logged as one plain warning line, never a stack trace.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES } from '../../src/gateway/index.js';

describe('oversized WebSocket frames', () => {
  let s: TestServer;
  let key: string;
  before(async () => {
    s = await startTestServer();
    key = (await createKey(s, await setupPassword(s), ['operator.read', 'operator.write'])).key;
  });
  after(() => s.stop());

  test('a 600 KB message gets a PAYLOAD_TOO_LARGE answer with the limit, and the socket stays usable', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    assert.equal((await c.connect({ api_key: key })).ok, true);
    const r = await c.request('chat.send', { sessionKey: 'paste', text: 'x'.repeat(600_000) });
    assert.equal(r.ok, false);
    assert.equal(r.error!.code, 'PAYLOAD_TOO_LARGE');
    assert.match(r.error!.message, /the limit is 512 KiB/);
    assert.equal((await c.request('health')).ok, true, 'the connection survived');
    c.close();
  });

  test('a stranger\'s oversized first frame ends its socket', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    c.send({ type: 'req', id: 'connect', method: 'connect', params: { pad: 'x'.repeat(MAX_PAYLOAD_BYTES) } });
    assert.equal((await c.closed).code, 1008);
  });

  test('beyond what the socket reads: closed with 1009 and one plain warning line, no stack trace', async () => {
    const before = s.printed.length;
    const c = await WsClient.open(wsUrl(s.url));
    assert.equal((await c.connect({ api_key: key })).ok, true);
    c.send({ type: 'req', id: 'big', method: 'chat.send', params: { sessionKey: 'paste', text: 'x'.repeat(MAX_FRAME_BYTES) } });
    assert.equal((await c.closed).code, 1009);
    await new Promise((r) => setTimeout(r, 50));
    const lines = s.printed.slice(before);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^warning: websocket from 127\.0\.0\.1 closed: Max payload size exceeded \(WS_ERR_UNSUPPORTED_MESSAGE_LENGTH; frames are limited to 1024 KiB\)$/);
  });
});
