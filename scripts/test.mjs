#!/usr/bin/env node
// Runs every unit test (src/**/*.test.ts) and system test (test/**/*.test.ts) with node:test.
// Node 20 does not expand globs for --test, so the files are listed here. Human-readable spec
// output goes to the terminal; a TAP copy is summarized at the end as `N passed, N failed`.
// Usage: npm test [-- <substring> ...]   (only files whose path contains a substring)
import { readdirSync, statSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...walk('src', []), ...walk('test', [])].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (!files.length) { console.error('no test files matched'); process.exit(1); }
mkdirSync('test-results', { recursive: true });
const tap = join('test-results', 'tests.tap');
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit' });
let pass = 0, fail = 0, skipped = 0;
try {
  const t = readFileSync(tap, 'utf8');
  pass = Number(/^# pass (\d+)/m.exec(t)?.[1] ?? 0);
  fail = Number(/^# fail (\d+)/m.exec(t)?.[1] ?? 0);
  skipped = Number(/^# skipped (\d+)/m.exec(t)?.[1] ?? 0);
} catch { fail = fail || 1; }
const code = r.status ?? 1;
if (code !== 0 && fail === 0) fail = 1; // a crashed runner is a failure even if it counted none
console.log(`\n# pass ${pass}\n# fail ${fail}\n${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(code);
