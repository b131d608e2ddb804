/**
 * Event fan-out over real WebSockets: approval requests reach approvals-only clients; hidden
 * (channel) sessions never leak through any event, whatever the field naming the session; and
 * sequence numbers are per connection, so a filtered client cannot count what it missed.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { WsClient, wsUrl, type Frame } from '../support/ws.js';
import { connect } from '../support/chat.js';
import { EVENT_POLICY } from '../../src/policy/index.js';
import { KNOWN_EVENTS } from '../../src/gateway/frames.js';

const settle = () => new Promise((r) => setTimeout(r, 150));
const events = (c: WsClient) => c.frames.filter((f) => f.type === 'event') as Array<Frame & { seq?: number }>;

describe('event delivery', () => {
  let s: TestServer;
  let cookie: string;
  let admin: WsClient;
  let reader: WsClient;
  before(async () => {
    s = await startTestServer();
    cookie = await setupPassword(s);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, ['*']);
    reader = await connect(s, (await createKey(s, cookie, ['operator.read'])).key, ['*']);
  });
  after(async () => { admin.close(); reader.close(); await s.stop(); });

  test('an approvals-only client (protocol v4, cannot subscribe) receives approval requests', async () => {
    const bot = await WsClient.open(wsUrl(s.url));
    try {
      assert.equal((await bot.connect({ api_key: (await createKey(s, cookie, ['operator.approvals'])).key })).ok, true);
      s.bus.publish('exec.approval.requested', { requestId: 'r1', sessionKey: 'main', command: 'rm -rf /tmp/x', reason: 'test', expiresAt: Date.now() + 1000 });
      const f = await bot.next((x) => x.event === 'exec.approval.requested', 2000);
      assert.equal(f.payload.requestId, 'r1');
      // …but nothing a read scope would be needed for.
      s.bus.publish('sessions.changed', { kind: 'created', key: 'visible' });
      await settle();
      assert.ok(!bot.frames.some((x) => x.event === 'sessions.changed'));
    } finally { bot.close(); }
  });

  test('channel sessions created and renamed by an admin never reach a read-only client', async () => {
    reader.frames.length = 0;
    assert.equal((await admin.request('sessions.create', { key: 'channel:telegram:1', label: 'Secret chat with Bob' })).ok, true);
    assert.equal((await admin.request('sessions.rename', { key: 'channel:telegram:1', label: 'Still secret' })).ok, true);
    await admin.next((f) => f.event === 'sessions.changed' && f.payload.kind === 'renamed');
    await settle();
    assert.deepEqual(events(reader).filter((f) => f.event === 'sessions.changed'), []);
  });

  test('every event type, whatever the session field is called, is filtered', async () => {
    reader.frames.length = 0;
    const names = [...new Set([...KNOWN_EVENTS, ...Object.keys(EVENT_POLICY), 'cron.job.created', 'channel.sender.pending'])];
    const shapes = (k: string) => [{ sessionKey: k }, { key: k }, { session: k }, { session_key: k }, { job: { sessionKey: k } }];
    for (const name of names) for (const p of shapes('channel:slack:9')) s.bus.publish(name, p);
    s.bus.publish('sessions.changed', { kind: 'created', key: 'marker' });
    await reader.next((f) => f.event === 'sessions.changed' && f.payload.key === 'marker', 2000);
    const leaked = events(reader).filter((f) => JSON.stringify(f.payload).includes('channel:'));
    assert.deepEqual(leaked, []);
  });

  test('sequence numbers are per connection: no gaps where hidden events were held back', async () => {
    const fresh = await connect(s, (await createKey(s, cookie, ['operator.read'])).key, ['*']);
    try {
      s.bus.publish('sessions.changed', { kind: 'created', key: 'a' });
      s.bus.publish('sessions.changed', { kind: 'created', key: 'channel:hidden' });
      s.bus.publish('sessions.changed', { kind: 'created', key: 'b' });
      await fresh.next((f) => f.event === 'sessions.changed' && f.payload.key === 'b', 2000);
      const seqs = events(fresh).filter((f) => f.event === 'sessions.changed').map((f) => f.seq);
      assert.deepEqual(seqs, [1, 2]);
    } finally { fresh.close(); }
  });
});
