/**
 * `/api/rpc` answers with the HTTP status that matches the outcome (the body is still the `res`
 * frame), and an authenticated caller asking for a method that does not exist hears so.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, rpc, type TestServer } from '../support/server.js';

let s: TestServer;
let readKey: string;
before(async () => {
  s = await startTestServer();
  readKey = (await createKey(s, await setupPassword(s), ['operator.read'])).key;
});
after(() => s.stop());

const call = (method: string, params: unknown = {}, key: string | null = readKey) => rpc(s, method, params, key ? { authorization: `Bearer ${key}` } : {});

test('200 ok, 400 bad params, 401 no credential, 403 missing scope, 404 unknown method or thing', async () => {
  assert.equal((await call('health')).status, 200);
  const bad = await call('chat.history', { sessionKey: 'bad key!' });
  assert.deepEqual([bad.status, bad.body.error?.code], [400, 'INVALID_REQUEST']);
  assert.equal((await call('health', {}, null)).status, 401);
  const denied = await call('sessions.create', {});
  assert.deepEqual([denied.status, denied.body.error?.code, denied.body.error?.message], [403, 'UNAUTHORIZED', 'missing scope: operator.write']);
  const typo = await call('sesions.list');
  assert.deepEqual([typo.status, typo.body.error?.code, typo.body.error?.message], [404, 'UNKNOWN_METHOD', 'unknown method: sesions.list']);
  const missing = await call('chat.history', { sessionKey: 'nope' });
  assert.deepEqual([missing.status, missing.body.error?.code], [404, 'NOT_FOUND']);
  const r = await fetch(`${s.url}/api/rpc`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` }, body: JSON.stringify({ nomethod: 1 }) });
  assert.equal(r.status, 400);
});
