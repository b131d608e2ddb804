import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError, DEFAULTS, parseDuration } from './index.js';

const issueFor = (toml: string, key: string): string => {
  try { parseConfig(toml); } catch (err) {
    assert.ok(err instanceof ConfigError);
    const i = err.issues.find((x) => x.key === key);
    assert.ok(i, `no issue for ${key}: ${err.message}`);
    return i.message;
  }
  assert.fail(`expected ${key} to be refused`);
};

test('defaults: the brief\'s numbers, sandboxed jobs, a 30 min heartbeat', () => {
  assert.equal(DEFAULTS.cron.rate_limit_max, 10);
  assert.equal(DEFAULTS.cron.rate_limit_window_secs, 60);
  assert.equal(DEFAULTS.cron.min_interval_secs, 60);
  assert.equal(DEFAULTS.cron.max_jobs, 100);
  assert.equal(DEFAULTS.cron.run_timeout_secs, 7200);
  assert.equal(DEFAULTS.cron.job.sandbox.enabled, true);
  assert.equal(DEFAULTS.cron.job.sandbox.image, undefined);
  assert.deepEqual({ ...DEFAULTS.heartbeat }, { enabled: true, every: '30m' });
});

test('the brief\'s snippets and its tightened example load', () => {
  const c = parseConfig('[cron]\nrate_limit_max = 5\nrate_limit_window_secs = 300 # 5 per 5 minutes\n[cron.job.sandbox]\nenabled = true # run in sandbox (default)\n# image = "custom:latest" # optional custom image\n');
  assert.equal(c.cron.rate_limit_max, 5);
  assert.equal(c.cron.rate_limit_window_secs, 300);
  assert.equal(c.cron.job.sandbox.enabled, true);
  assert.equal(parseConfig('[cron.job.sandbox]\nimage = "custom:latest"\n').cron.job.sandbox.image, 'custom:latest');
  assert.equal(parseConfig('[cron.job.sandbox]\nimage = ""\n').cron.job.sandbox.image, undefined);
});

test('bad values and unknown keys are refused with the key named', () => {
  assert.match(issueFor('[cron]\nsystem = true\n', 'cron.system'), /unrecognized|unknown/i);
  assert.match(issueFor('[cron]\nrate_limit_max = 0\n', 'cron.rate_limit_max'), />=\s*1|at least|too small/i);
  assert.match(issueFor('[cron.job.sandbox]\nimage = "--privileged"\n', 'cron.job.sandbox.image'), /image reference/);
  assert.match(issueFor('[heartbeat]\nevery = "soon"\n', 'heartbeat.every'), /duration/);
  assert.match(issueFor('[heartbeat]\nevery = "0s"\n', 'heartbeat.every'), /between/);
});

test('parseDuration', () => {
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.ok(Number.isNaN(parseDuration('30 minutes')));
});
