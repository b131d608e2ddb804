/**
 * Invariant 1: every registered REST route and RPC method has an entry in the policy table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHOD_POLICY, ROUTE_POLICY, VAULT_ROUTES, VAULT_METHODS } from '../../src/policy/index.js';
import { startTestServer } from '../support/server.js';

test('every route and every method is in the policy table, and the table has no stale rows', async () => {
  const routes: string[] = [];
  const s = await startTestServer({ onRoute: (m, url) => routes.push(`${m} ${url}`) });
  try {
    assert.ok(routes.length >= 10, `only ${routes.length} routes seen`);
    const missingRoutes = routes.filter((r) => !Object.hasOwn(ROUTE_POLICY, r));
    assert.deepEqual(missingRoutes, [], 'routes without a policy entry');
    const methods = s.gateway.dispatcher.names();
    const missingMethods = methods.filter((m) => !Object.hasOwn(METHOD_POLICY, m));
    assert.deepEqual(missingMethods, [], 'methods without a policy entry');
    assert.deepEqual(Object.keys(ROUTE_POLICY).filter((r) => !routes.includes(r)), [], 'policy rows for routes that do not exist');
    assert.deepEqual([...VAULT_ROUTES].filter((r) => !routes.includes(r)), [], 'vault-guarded routes that do not exist');
    assert.deepEqual([...VAULT_METHODS].filter((m) => !methods.includes(m)), [], 'vault-guarded methods that do not exist');
    assert.deepEqual(Object.keys(METHOD_POLICY).filter((m) => !methods.includes(m)), [], 'policy rows for methods that do not exist');
  } finally { await s.stop(); }
});
