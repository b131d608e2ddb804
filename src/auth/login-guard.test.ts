import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLoginGuard } from './login-guard.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function setup(maxTrackedIps = 10_000) {
  const clock = { t: 1_000_000_000 };
  const guard = createLoginGuard({ banThreshold: 10, banBaseMs: 5 * MIN, banMaxMs: 24 * HOUR, maxTrackedIps, now: () => clock.t });
  return { clock, guard };
}

function fail(guard: ReturnType<typeof createLoginGuard>, ip: string, n: number) {
  let last;
  for (let i = 0; i < n; i++) last = guard.recordFailure(ip);
  return last;
}

describe('createLoginGuard', () => {
  it('bans after 10 consecutive failures for 300 s, then 600 s, escalating to the cap', () => {
    const { clock, guard } = setup();
    assert.deepEqual(fail(guard, 'a', 9), { banned: false, bans: 0 });
    assert.deepEqual(guard.check('a'), { allowed: true });
    assert.deepEqual(guard.recordFailure('a'), { banned: true, banMs: 5 * MIN, bans: 1 });
    assert.deepEqual(guard.check('a'), { allowed: false, retryAfterSeconds: 300, reason: 'ip_banned' });
    clock.t += 5 * MIN;
    assert.deepEqual(guard.check('a'), { allowed: true });
    assert.deepEqual(fail(guard, 'a', 10), { banned: true, banMs: 10 * MIN, bans: 2 });
    assert.deepEqual(guard.check('a'), { allowed: false, retryAfterSeconds: 600, reason: 'ip_banned' });
    const seen: number[] = [];
    let banMs = 10 * MIN;
    for (let i = 0; i < 12; i++) {
      clock.t += banMs;
      banMs = fail(guard, 'a', 10)?.banMs ?? -1;
      seen.push(banMs);
    }
    assert.deepEqual(seen.map((ms) => ms / MIN), [20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440, 1440, 1440]);
  });

  it('does not count failures while banned', () => {
    const { guard } = setup();
    fail(guard, 'a', 10);
    assert.deepEqual(guard.recordFailure('a'), { banned: true, bans: 1 });
    assert.deepEqual(guard.check('a'), { allowed: false, retryAfterSeconds: 300, reason: 'ip_banned' });
  });

  it('success clears the counter and ban but keeps escalation for 24 h', () => {
    const { clock, guard } = setup();
    fail(guard, 'a', 9);
    guard.recordSuccess('a');
    assert.deepEqual(guard.recordFailure('a'), { banned: false, bans: 0 });
    assert.equal(guard.size(), 1);
    guard.recordSuccess('a');
    assert.equal(guard.size(), 0);

    fail(guard, 'a', 10);
    guard.recordSuccess('a');
    assert.deepEqual(guard.check('a'), { allowed: true });
    assert.equal(fail(guard, 'a', 10)?.banMs, 10 * MIN);
    guard.recordSuccess('a');
    clock.t += 25 * HOUR;
    assert.equal(fail(guard, 'a', 10)?.banMs, 5 * MIN);
  });

  it('has no account lockout: failures from many IPs never block a fresh IP', () => {
    const { guard } = setup();
    for (let i = 0; i < 50; i++) fail(guard, `198.51.100.${i}`, 10);
    assert.equal(guard.check('198.51.100.1').allowed, false);
    assert.deepEqual(guard.check('203.0.113.9'), { allowed: true });
    assert.deepEqual(guard.recordFailure('203.0.113.9'), { banned: false, bans: 0 });
  });

  it('stays within its cap and keeps bans when sprayed with addresses', () => {
    const { clock, guard } = setup(100);
    fail(guard, 'attacker', 10);
    for (let i = 0; i < 50_000; i++) {
      guard.recordFailure(`2001:db8::${i.toString(16)}`);
      if (i % 100 === 0) clock.t += 1;
      assert.ok(guard.size() <= 100);
    }
    assert.equal(guard.size(), 100);
    // Spraying addresses must not lift the attacker's own ban.
    assert.equal(guard.check('attacker').allowed, false);
  });

  it('forgets quiet addresses on sweep', () => {
    const { clock, guard } = setup();
    for (let i = 0; i < 100; i++) guard.recordFailure(`a${i}`);
    clock.t += 25 * HOUR;
    for (let i = 0; i < 28; i++) guard.recordFailure('b');
    assert.equal(guard.size(), 1);
  });

  it('rejects a nonsensical config', () => {
    assert.throws(() => createLoginGuard({ banThreshold: 0, banBaseMs: 1, banMaxMs: 1, maxTrackedIps: 1, now: Date.now }), RangeError);
  });
});
