#!/usr/bin/env node
// Runs every unit test (src/**/*.test.ts) and system test (test/**/*.test.ts) with node:test.
// Node 20 does not expand globs for --test, so the files are listed here. Human-readable spec
// output goes to the terminal; a TAP copy is summarized at the end as
// `N passed, N failed, N cancelled, N skipped, N todo`; any failure or cancellation fails the run.
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
// Every outcome is counted on its own: a cancelled test (its file timed out or crashed) is not a
// pass, and is not hidden inside "failed" either.
const count = { pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
let readable = true;
try {
  const t = readFileSync(tap, 'utf8');
  for (const k of Object.keys(count)) count[k] = Number(new RegExp(`^# ${k} (\\d+)`, 'm').exec(t)?.[1] ?? 0);
} catch { readable = false; }
const code = r.status ?? 1;
const notes = [];
if (!readable) notes.push(`no TAP summary at ${tap}: the runner did not finish`);
else if (code !== 0 && count.fail === 0 && count.cancelled === 0) notes.push(`the test runner exited with code ${code} without reporting a failed test`);
if (count.cancelled > 0) notes.push(`${count.cancelled} test(s) were cancelled (a file timed out, crashed or left handles open): the run fails`);
for (const n of notes) console.log(`\n${n}`);
console.log(`\n# pass ${count.pass}\n# fail ${count.fail}\n# cancelled ${count.cancelled}\n# skipped ${count.skipped}\n# todo ${count.todo}`);
console.log(`${count.pass} passed, ${count.fail} failed, ${count.cancelled} cancelled, ${count.skipped} skipped, ${count.todo} todo`);
// Fail closed: any failure, any cancellation, a runner crash or a missing summary fails the run.
process.exit(count.fail > 0 || count.cancelled > 0 || code !== 0 || !readable ? (code || 1) : 0);
