import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyRequest, createThrottle, type ThrottleLimit, type ThrottleScope } from './throttle.js';

const LIMITS: Record<ThrottleScope, ThrottleLimit> = {
  callback: { max: 5000, windowMs: 60_000 },
  login: { max: 5, windowMs: 60_000 },
  auth: { max: 120, windowMs: 60_000 },
  api: { max: 180, windowMs: 60_000 },
  ws: { max: 30, windowMs: 60_000 },
};

function setup(overrides: Partial<Record<ThrottleScope, ThrottleLimit>> = {}, maxBuckets = 1000) {
  const clock = { t: 1_000_000 };
  const throttle = createThrottle({ limits: { ...LIMITS, ...overrides }, maxBuckets, now: () => clock.t });
  return { clock, throttle };
}

describe('classifyRequest', () => {
  it('maps paths to scopes', () => {
    assert.equal(classifyRequest('POST', '/api/auth/login'), 'login');
    assert.equal(classifyRequest('POST', '/api/auth/login?x=1'), 'login');
    assert.equal(classifyRequest('GET', '/api/auth/login'), 'auth');
    assert.equal(classifyRequest('POST', '/api/auth/setup'), 'auth');
    assert.equal(classifyRequest('GET', '/api/sessions'), 'api');
    assert.equal(classifyRequest('GET', '/ws'), 'ws');
    assert.equal(classifyRequest('GET', '/ws/chat?token=x'), 'ws');
    assert.equal(classifyRequest('GET', '/ws/other'), null);
    assert.equal(classifyRequest('GET', '/health'), null);
    assert.equal(classifyRequest('GET', '/apiary'), null);
    assert.equal(classifyRequest('GET', '/assets/app.js'), null);
  });
  it('does not let path spelling dodge the login limit', () => {
    assert.equal(classifyRequest('POST', '/api/auth/login/'), 'login');
    assert.equal(classifyRequest('POST', '//api//auth/login'), 'login');
    assert.equal(classifyRequest('POST', '/API/Auth/Login'), 'login');
    assert.equal(classifyRequest('POST', '/api/auth/%6Cogin'), 'login');
    assert.equal(classifyRequest('POST', '/api/auth/%zz'), 'auth');
  });
});

describe('createThrottle', () => {
  it('denies the 6th login in a window with a Retry-After, then resets', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 5; i++) assert.deepEqual(throttle.check('203.0.113.9', 'login'), { allowed: true });
    clock.t += 20_000;
    assert.deepEqual(throttle.check('203.0.113.9', 'login'), { allowed: false, retryAfterSeconds: 40 });
    clock.t += 39_500;
    assert.deepEqual(throttle.check('203.0.113.9', 'login'), { allowed: false, retryAfterSeconds: 1 });
    clock.t += 500;
    assert.deepEqual(throttle.check('203.0.113.9', 'login'), { allowed: true });
  });

  it('always denies a scope with max 0 and keeps no bucket for it', () => {
    const { throttle } = setup({ ws: { max: 0, windowMs: 60_000 } });
    assert.deepEqual(throttle.check('203.0.113.9', 'ws'), { allowed: false, retryAfterSeconds: 60 });
    assert.equal(throttle.size(), 0);
  });

  it('keeps scopes and addresses independent', () => {
    const { throttle } = setup();
    for (let i = 0; i < 5; i++) throttle.check('203.0.113.9', 'login');
    assert.equal(throttle.check('203.0.113.9', 'login').allowed, false);
    assert.equal(throttle.check('203.0.113.9', 'api').allowed, true);
    assert.equal(throttle.check('203.0.113.9', 'auth').allowed, true);
    assert.equal(throttle.check('203.0.113.10', 'login').allowed, true);
  });

  it('stays within the bucket cap under 100k distinct addresses', () => {
    const { clock, throttle } = setup({}, 1000);
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      throttle.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'api');
      if (i % 1000 === 0) clock.t += 1;
      peak = Math.max(peak, throttle.size());
    }
    assert.ok(peak <= 1000, `peak ${peak}`);
    assert.equal(throttle.size(), 1000);
  });

  it('prefers dropping expired buckets over evicting live ones', () => {
    const { clock, throttle } = setup({}, 3);
    throttle.check('a', 'login');
    clock.t += 61_000;
    throttle.check('b', 'login');
    throttle.check('c', 'login');
    throttle.check('b', 'login');
    throttle.check('d', 'login'); // 'a' expired: removed, 'b' keeps its count
    assert.equal(throttle.size(), 3);
    for (let i = 0; i < 3; i++) throttle.check('b', 'login');
    assert.equal(throttle.check('b', 'login').allowed, false);
  });

  it('sweep() drops ended windows', () => {
    const { clock, throttle } = setup();
    throttle.check('a', 'api');
    throttle.check('b', 'ws');
    clock.t += 60_000;
    throttle.sweep();
    assert.equal(throttle.size(), 0);
  });

  it('sweeps periodically without an explicit call', () => {
    const { clock, throttle } = setup({}, 100_000);
    for (let i = 0; i < 300; i++) throttle.check(`a${i}`, 'api');
    clock.t += 60_000;
    for (let i = 0; i < 300; i++) throttle.check('b', 'auth');
    assert.ok(throttle.size() < 10, `size ${throttle.size()}`);
  });

  it('rejects nonsensical limits at construction', () => {
    assert.throws(() => createThrottle({ limits: { ...LIMITS, api: { max: -1, windowMs: 1 } }, maxBuckets: 10, now: Date.now }), RangeError);
    assert.throws(() => createThrottle({ limits: LIMITS, maxBuckets: 0, now: Date.now }), RangeError);
  });
});
