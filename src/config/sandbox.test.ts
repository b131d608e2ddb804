import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULTS, parseConfig, type ConfigIssue } from './index.js';

const t = (body: string) => `[tools.exec.sandbox]\n${body}\n`;
const sandbox = (body: string) => parseConfig(t(body)).tools.exec.sandbox;

/** The issues of `toml` ([] when valid). */
function issues(toml: string): ConfigIssue[] {
  try { parseConfig(toml); return []; } catch (err) { assert.ok(err instanceof ConfigError); return [...err.issues]; }
}
function rejects(toml: string, key: string, message: RegExp): void {
  const found = issues(toml).find((i) => i.key === key);
  assert.ok(found, `expected an issue for ${key} in: ${toml} (got ${JSON.stringify(issues(toml))})`);
  assert.match(found.message, message);
}

describe('[tools.exec.sandbox] no_network (the brief\'s key)', () => {
  test('no_network = true is accepted and means network = "none"', () => {
    const s = sandbox('no_network = true');
    assert.equal(s.network, 'none');
    // Folded into `network`: consumers see one key, never two that could disagree.
    assert.ok(!('no_network' in s));
    assert.equal(sandbox('no_network = true\nnetwork = "none"').network, 'none');
  });

  test('the brief\'s snippet as written passes', () => {
    assert.equal(parseConfig('[tools.exec.sandbox]\nno_network = true\n\n[tools.exec.sandbox.resource_limits]\nmemory_limit = "512M"\ncpu_quota = 1.0\npids_max = 256\n').tools.exec.sandbox.network, 'none');
  });

  test('no_network = true with network = "trusted" is a contradiction, refused with the fix', () => {
    rejects(t('no_network = true\nnetwork = "trusted"'), 'tools.exec.sandbox.no_network', /contradicts network = "trusted".*keep one/);
  });

  test('no_network = false never opens the network by itself: it must come with network = "trusted"', () => {
    rejects(t('no_network = false'), 'tools.exec.sandbox.no_network', /does not choose a network mode: set network = "trusted"/);
    rejects(t('no_network = false\nnetwork = "none"'), 'tools.exec.sandbox.no_network', /contradicts network = "none"/);
    assert.equal(sandbox('no_network = false\nnetwork = "trusted"').network, 'trusted');
  });

  test('without either key the network stays off; network alone works as before', () => {
    assert.equal(sandbox('').network, 'none');
    assert.equal(sandbox('network = "trusted"').network, 'trusted');
    assert.equal(DEFAULTS.tools.exec.sandbox.network, 'none');
    assert.ok(issues(t('no_network = "yes"')).some((i) => i.key === 'tools.exec.sandbox.no_network'));
    assert.ok(issues(t('no_networks = true')).length > 0, 'unknown keys stay errors');
  });
});

describe('[tools.exec.sandbox.resource_limits] file_size_limit and disk_limit', () => {
  const limits = (body: string) => sandbox(`[tools.exec.sandbox.resource_limits]\n${body}`).resource_limits;
  test('defaults: 1G per file, 2G per session', () => {
    assert.equal(DEFAULTS.tools.exec.sandbox.resource_limits.file_size_limit, '1G');
    assert.equal(DEFAULTS.tools.exec.sandbox.resource_limits.disk_limit, '2G');
  });
  test('sizes in the memory_limit style', () => {
    assert.deepEqual({ ...limits('file_size_limit = "64M"\ndisk_limit = "10G"') }, { memory_limit: '512M', cpu_quota: 1, pids_max: 256, file_size_limit: '64M', disk_limit: '10G' });
  });
  test('nonsense and too-small sizes are refused with what is wrong', () => {
    const key = (k: string) => `tools.exec.sandbox.resource_limits.${k}`;
    rejects(t(`[tools.exec.sandbox.resource_limits]\nfile_size_limit = "huge"`), key('file_size_limit'), /size like "512M"/);
    rejects(t(`[tools.exec.sandbox.resource_limits]\nfile_size_limit = "10K"`), key('file_size_limit'), /at least 1M/);
    rejects(t(`[tools.exec.sandbox.resource_limits]\ndisk_limit = "1M"`), key('disk_limit'), /at least 16M/);
    rejects(t(`[tools.exec.sandbox.resource_limits]\ndisk_limit = 100`), key('disk_limit'), /string/);
  });
});
