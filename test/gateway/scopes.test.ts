/**
 * Scope matrix (seed "API Authorization"): each scope × a read, write, approvals, pairing and
 * admin method, over REST (`/api/rpc`, admin REST routes) and over WebSocket.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestServer, setupPassword, createKey, rpc, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { request } from '../support/http.js';

const METHODS = { read: 'sessions.list', write: 'sessions.create', approvals: 'exec.approval.list', pairing: 'node.pairing.status', admin: 'auth.audit.list' } as const;
type Kind = keyof typeof METHODS;
// Which method kinds each scope may call (read is implied by write; admin implies all).
const ALLOWED: Record<string, Kind[]> = {
  'operator.read': ['read'],
  'operator.write': ['read', 'write'],
  'operator.approvals': ['approvals'],
  'operator.pairing': ['pairing'],
  'operator.admin': ['read', 'write', 'approvals', 'pairing', 'admin'],
};
const NEEDS: Record<Kind, string> = { read: 'operator.read', write: 'operator.write', approvals: 'operator.approvals', pairing: 'operator.pairing', admin: 'operator.admin' };

describe('scope matrix', () => {
  let s: TestServer;
  let cookie: string;
  const keys: Record<string, string> = {};
  before(async () => {
    s = await startTestServer();
    cookie = await setupPassword(s);
    for (const scope of Object.keys(ALLOWED)) keys[scope] = (await createKey(s, cookie, [scope], scope)).key;
  });
  after(() => s.stop());

  for (const scope of Object.keys(ALLOWED)) {
    for (const kind of Object.keys(METHODS) as Kind[]) {
      const allowed = ALLOWED[scope]!.includes(kind);
      test(`${scope} × ${kind} method over REST → ${allowed ? 'allowed' : 'denied'}`, async () => {
        const r = await rpc(s, METHODS[kind], kind === 'write' ? { label: 'x' } : {}, { authorization: `Bearer ${keys[scope]}` });
        // Over REST the status says it too: 403 for a known caller without the scope.
        assert.equal(r.status, allowed ? 200 : 403);
        assert.equal(r.body.ok, allowed, JSON.stringify(r.body));
        if (!allowed) {
          assert.equal(r.body.error!.code, 'UNAUTHORIZED');
          assert.equal(r.body.error!.message, `missing scope: ${NEEDS[kind]}`);
        }
      });
    }
    test(`${scope} over WebSocket (api_key in connect) follows the same table`, async () => {
      const c = await WsClient.open(wsUrl(s.url));
      try {
        const hello = await c.connect({ api_key: keys[scope]! });
        assert.equal(hello.ok, true);
        assert.deepEqual(hello.payload.auth.scopes, [scope]);
        for (const kind of Object.keys(METHODS) as Kind[]) {
          const r = await c.request(METHODS[kind], kind === 'write' ? { label: 'y' } : {});
          assert.equal(r.ok, ALLOWED[scope]!.includes(kind), `${kind}: ${JSON.stringify(r)}`);
          if (!r.ok) assert.equal(r.error!.message, `missing scope: ${NEEDS[kind]}`);
        }
      } finally { c.close(); }
    });
    test(`${scope} on admin REST routes (API key management, audit)`, async () => {
      const isAdmin = scope === 'operator.admin';
      const list = await request(`${s.url}/api/auth/api-keys`, { headers: { authorization: `Bearer ${keys[scope]}` } });
      assert.equal(list.status, isAdmin ? 200 : 403);
      if (!isAdmin) assert.equal(list.json.code, 'INSUFFICIENT_SCOPE');
      // The original let an operator.read key mint an admin key: not here.
      const mint = await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${keys[scope]}` }, body: { label: 'escalate', scopes: ['operator.admin'] } });
      assert.equal(mint.status, isAdmin ? 200 : 403);
      const reset = await request(`${s.url}/api/auth/audit`, { headers: { authorization: `Bearer ${keys[scope]}` } });
      assert.equal(reset.status, isAdmin ? 200 : 403);
    });
  }

  test('Bearer key on the WS upgrade authenticates the socket', async () => {
    const c = await WsClient.open(wsUrl(s.url), { authorization: `Bearer ${keys['operator.read']}` });
    try {
      const hello = await c.connect();
      assert.deepEqual(hello.payload.auth.scopes, ['operator.read']);
      assert.equal((await c.request('sessions.create', {})).ok, false);
    } finally { c.close(); }
  });

  test('a key without scopes is refused at creation', async () => {
    for (const scopes of [[], undefined, null]) {
      const r = await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { cookie }, body: { label: 'none', scopes } });
      assert.equal(r.status, 400);
      assert.equal(r.json.code, 'SCOPES_REQUIRED');
    }
    const bad = await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { cookie }, body: { label: 'bad', scopes: ['operator.root'] } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /invalid scope: operator.root/);
    const nolabel = await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { cookie }, body: { label: '  ', scopes: ['operator.read'] } });
    assert.equal(nolabel.json.code, 'LABEL_REQUIRED');
  });

  test('a stored scopeless key (e.g. from an old database) is denied everywhere', async () => {
    const key = `mk_${'A'.repeat(43)}`;
    s.store.db.prepare("INSERT INTO api_keys (label, key_prefix, key_hash, scopes, created_at) VALUES ('legacy', ?, ?, '[]', 0)")
      .run(key.slice(0, 11), createHash('sha256').update(key).digest('hex'));
    const auth = { authorization: `Bearer ${key}` };
    const r = await request(`${s.url}/api/rpc`, { method: 'POST', headers: auth, body: { method: 'health' } });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'AUTH_KEY_NO_SCOPES');
    assert.equal((await request(`${s.url}/api/auth/api-keys`, { headers: auth })).status, 403);
    const c = await WsClient.open(wsUrl(s.url));
    const hello = await c.connect({ api_key: key });
    assert.equal(hello.ok, false);
    assert.equal(hello.error!.code, 'FORBIDDEN');
    assert.equal((await c.closed).code, 1008);
  });

  test('the key is shown once: listings carry only the prefix', async () => {
    const created = await createKey(s, cookie, ['operator.read'], 'listing');
    const list = await request(`${s.url}/api/auth/api-keys`, { headers: { cookie } });
    assert.ok(!list.text.includes(created.key));
    const row = list.json.api_keys.find((k: { id: number }) => k.id === created.id);
    assert.equal(row.key_prefix, created.key.slice(0, 11));
    // and the database holds only a hash
    const dump = JSON.stringify(s.store.db.prepare('SELECT * FROM api_keys').all());
    assert.ok(!dump.includes(created.key));
  });
});
