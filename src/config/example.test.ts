import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { exampleToml, parseConfig, DEFAULTS } from './index.js';

const KEY_LINE = /^# ([a-z_]+ = .*)$/;

/** Every dotted key path of DEFAULTS (tables excluded). */
function leafKeys(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

test('the example as written loads to DEFAULTS', () => {
  assert.deepEqual(parseConfig(exampleToml()), DEFAULTS);
});

test('uncommenting every "# key = value" line yields DEFAULTS', () => {
  const text = exampleToml();
  const uncommented = text.split('\n').map((l) => l.replace(KEY_LINE, '$1')).join('\n');
  assert.notEqual(uncommented, text);
  assert.deepEqual(parseConfig(uncommented), DEFAULTS);
});

test('every schema key appears once, under its table, with a one-line description above it', () => {
  const lines = exampleToml().split('\n');
  const seen: string[] = [];
  let table = '';
  for (const [n, line] of lines.entries()) {
    const header = /^\[([a-z_.]+)\]$/.exec(line);
    if (header?.[1]) table = header[1];
    const key = KEY_LINE.exec(line)?.[1]?.split(' = ')[0];
    if (!key) continue;
    seen.push(`${table}.${key}`);
    const above = lines[n - 1] ?? '';
    assert.match(above, /^# [A-Z].{10,}$/, `description for ${table}.${key}`);
    assert.doesNotMatch(above, KEY_LINE);
  }
  // [[hooks]] is an array of tables: shown as a commented example block, not as a key line.
  assert.deepEqual(seen.sort(), leafKeys(DEFAULTS).filter((k) => k !== 'hooks').sort());
});

test('every table has a header, so uncommenting a key puts it in the right table', () => {
  const parsed = JSON.parse(JSON.stringify(parse(exampleToml()))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).sort(), ['agent', 'audit', 'auth', 'channels', 'cron', 'heartbeat', 'monitoring', 'server', 'tls', 'tools']);
  assert.deepEqual(parsed.server, { throttle: {} });
  assert.deepEqual(parsed.auth, { login_guard: {} });
});
