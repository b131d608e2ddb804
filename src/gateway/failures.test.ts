import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFailureThrottle } from './failures.js';
import type { Identity } from '../policy/index.js';

const key = (id: number): Identity => ({ method: 'api_key', scopes: ['operator.read'], apiKeyId: id });

test('throttles after max refusals for one window, tells once, leaves other credentials alone', () => {
  let t = 0;
  const told: string[] = [];
  const f = createFailureThrottle({ max: 3, windowMs: 1000, now: () => t, onThrottled: (actor, _ip, n) => told.push(`${actor}:${n}`) });
  assert.equal(f.retryAfterMs(key(1)), 0);
  f.fail(key(1), '1.2.3.4'); f.fail(key(1), '1.2.3.4');
  assert.equal(f.retryAfterMs(key(1)), 0);
  t = 100;
  f.fail(key(1), '1.2.3.4');
  assert.equal(f.retryAfterMs(key(1)), 1000);
  assert.equal(f.retryAfterMs(key(2)), 0);
  f.fail(key(1), '1.2.3.4'); // refusals while throttled do not tell again
  assert.deepEqual(told, ['key:1:3']);
  t = 1099;
  assert.equal(f.retryAfterMs(key(1)), 1);
  t = 1100;
  assert.equal(f.retryAfterMs(key(1)), 0);
  assert.equal(f.size(), 0);
});

test('refusals spread over more than a window never throttle', () => {
  let t = 0;
  const f = createFailureThrottle({ max: 3, windowMs: 1000, now: () => t, onThrottled: () => assert.fail('throttled') });
  for (let i = 0; i < 10; i++) { f.fail(key(1), null); f.fail(key(1), null); t += 1001; }
  assert.equal(f.retryAfterMs(key(1)), 0);
});

test('memory stays bounded however many credentials fail', () => {
  const f = createFailureThrottle({ max: 3, windowMs: 1000, now: () => 0, onThrottled: () => {}, maxTracked: 50 });
  for (let i = 0; i < 500; i++) f.fail(key(i), null);
  assert.ok(f.size() <= 50);
});
