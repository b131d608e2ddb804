/**
 * Sessions stay reachable and findable: `sessions.list` pages with a cursor (none of 520 is lost),
 * searches by title, hides channel sessions from non-admins without short pages, and a session is
 * titled from its first message unless someone named it.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { connect } from '../support/chat.js';
import type { WsClient } from '../support/ws.js';

describe('sessions.list and titles', () => {
  let s: TestServer;
  let c: WsClient;
  let admin: WsClient;
  before(async () => {
    s = await startTestServer();
    const cookie = await setupPassword(s);
    c = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['sessions.changed']);
    admin = await connect(s, (await createKey(s, cookie, ['operator.admin'])).key, []);
    // 520 sessions (more than the old silent cap of 500), some of them from a chat channel.
    const repo = s.store.chatSessions;
    s.store.db.transaction(() => {
      for (let i = 0; i < 520; i++) repo.create({ key: `s-${String(i).padStart(3, '0')}`, label: i % 100 === 7 ? `Trip to Lisbon ${i}` : `Chat ${i}`, now: 1_000 + Math.floor(i / 3) });
      for (let i = 0; i < 30; i++) repo.create({ key: `channel:tg:${i}`, label: `telegram ${i}`, now: 5_000 + i });
    })();
  });
  after(async () => { c.close(); admin.close(); await s.stop(); });

  async function all(client: WsClient, params: Record<string, unknown>): Promise<{ keys: string[]; pages: number }> {
    const keys: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await client.request('sessions.list', { ...params, ...(cursor ? { cursor } : {}) });
      assert.equal(r.ok, true, JSON.stringify(r));
      keys.push(...r.payload.sessions.map((x: { key: string }) => x.key));
      assert.equal(r.payload.hasMore, r.payload.nextCursor !== null);
      cursor = r.payload.nextCursor;
      pages++;
    } while (cursor);
    return { keys, pages };
  }

  test('paging reaches every session exactly once, newest first, in full pages', async () => {
    const first = await c.request('sessions.list', { limit: 200 });
    assert.equal(first.payload.sessions.length, 200, 'channel sessions do not make a page short');
    assert.equal(first.payload.hasMore, true);
    const { keys, pages } = await all(c, { limit: 200 });
    assert.equal(pages, 3);
    assert.equal(keys.length, 520);
    assert.equal(new Set(keys).size, 520);
    assert.ok(!keys.some((k) => k.startsWith('channel:')), 'channel sessions stay admin-only');
    assert.equal(keys[0], 's-519');
    assert.equal((await all(admin, { limit: 500 })).keys.length, 550);
    // Without params: the first 100 and a way on.
    const dflt = await c.request('sessions.list');
    assert.equal(dflt.payload.sessions.length, 100);
    assert.equal(typeof dflt.payload.nextCursor, 'string');
  });

  test('search finds sessions by title, wildcards taken literally; a forged cursor is refused', async () => {
    const r = await all(c, { search: 'trip to LISBON', limit: 2 });
    assert.deepEqual(r.keys.sort(), ['s-007', 's-107', 's-207', 's-307', 's-407', 's-507']);
    assert.equal((await c.request('sessions.list', { search: '%' })).payload.sessions.length, 0);
    const bad = await c.request('sessions.list', { cursor: 'not-a-cursor' });
    assert.equal(bad.error?.code, 'INVALID_REQUEST');
    assert.match(bad.error!.message, /invalid cursor/);
  });

  test('a session is titled from its first message; a name someone gave it is kept', async () => {
    const created = await c.request('sessions.create', {});
    assert.equal(created.payload.label, 'New session');
    const key = created.payload.key as string;
    await c.request('chat.send', { sessionKey: key, text: '  Plan the   trip to Porto\nwith details below' });
    const ev = await c.next((f) => f.event === 'sessions.changed' && f.payload?.key === key && f.payload?.kind === 'renamed');
    assert.equal(ev.payload.label, 'Plan the trip to Porto');
    assert.equal(s.store.chatSessions.get(key)!.label, 'Plan the trip to Porto');
    const named = await c.request('sessions.create', { label: 'My notes' });
    await c.request('chat.send', { sessionKey: named.payload.key, text: 'something else entirely' });
    assert.equal(s.store.chatSessions.get(named.payload.key)!.label, 'My notes');
    const long = await c.request('chat.send', { sessionKey: 'fresh', text: 'word '.repeat(40) });
    assert.equal(long.ok, true);
    const label = s.store.chatSessions.get('fresh')!.label;
    assert.ok(label.length <= 60 && label.endsWith('…'), label);
  });
});
