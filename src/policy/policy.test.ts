import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, canReceiveEvent, methodScope, routeRequirement } from './index.js';

test('unknown methods and routes need admin', () => {
  assert.equal(methodScope('no.such.method'), 'operator.admin');
  assert.equal(methodScope('constructor'), 'operator.admin');
  assert.equal(methodScope('__proto__'), 'operator.admin');
  assert.equal(routeRequirement('GET', '/api/secret'), 'operator.admin');
});

test('scope rules', () => {
  assert.deepEqual(authorize('operator.read', ['operator.write']), { ok: true });
  assert.deepEqual(authorize('operator.write', ['operator.read']), { ok: false, missing: 'operator.write' });
  assert.deepEqual(authorize('operator.approvals', ['operator.write', 'operator.read']), { ok: false, missing: 'operator.approvals' });
  assert.deepEqual(authorize('operator.pairing', ['operator.admin']), { ok: true });
  assert.deepEqual(authorize('operator.read', []), { ok: false, missing: 'operator.read' });
});

test('event scope guard', () => {
  assert.equal(canReceiveEvent('auth.audit', ['operator.read']), false);
  assert.equal(canReceiveEvent('auth.audit', ['operator.admin']), true);
  assert.equal(canReceiveEvent('tick', []), true);
});

test('channel sessions are isolated: only admins see them; other sessions need read', async () => {
  const { canSeeSession } = await import('./index.js');
  assert.equal(canSeeSession('main', ['operator.read']), true);
  assert.equal(canSeeSession('main', ['operator.write']), true);
  assert.equal(canSeeSession('main', ['operator.approvals']), false);
  assert.equal(canSeeSession('channel:telegram:42', ['operator.read', 'operator.write']), false);
  assert.equal(canSeeSession('channel:telegram:42', ['operator.admin']), true);
});
