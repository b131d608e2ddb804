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
