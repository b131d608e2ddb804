/**
 * `moltis approval check` and `moltis net check`: dry runs through the exec and web_fetch code
 * paths; `moltis config check` on the brief's cron snippets.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLOOR_TABLE } from '../../src/approval/table/index.js';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs } from './harness.js';

after(killAll);
const d = tempDirs();
after(() => removeDirs(d));

test('approval check: one JSON line with decision, floor and rule', async () => {
  const r = await runCli(['approval', 'check', '--', 'rm', '-rf', '/'], cleanEnv(d));
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.decision, 'ask');
  assert.equal(j.floor, true);
  assert.equal(j.rule, 'rm-rf-root');
  assert.equal(j.scope, 'workspace');
  assert.equal(j.command, 'rm -rf /');
});

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { command: string; decision: string; floor: boolean; rule: string | null });

test('approval check --stdin --null: the rule id for every row of the floor table (multi-line rows included)', async () => {
  const rows = FLOOR_TABLE.flatMap((s) => [...s.destructive.map((cmd) => ({ cmd, bad: true })), ...s.benign.map((cmd) => ({ cmd, bad: false }))]);
  const r = await runCli(['approval', 'check', '--mode', 'never', '--stdin', '--null'], cleanEnv(d), 60_000, rows.map((x) => x.cmd).join('\0'));
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, rows.length);
  rows.forEach((row, i) => {
    assert.equal(out[i]!.command, row.cmd);
    if (row.bad) assert.ok(out[i]!.decision === 'ask' && out[i]!.floor && typeof out[i]!.rule === 'string', `${row.cmd}: ${JSON.stringify(out[i])}`);
    else assert.equal(out[i]!.floor, false, `${row.cmd}: ${JSON.stringify(out[i])}`);
  });
});

test('approval check --sandboxed reports what exec would do in a sandbox; config and flags both apply', async () => {
  const input = 'rm -rf /\nmkfs.ext4 /dev/sda\npsql -c "DROP TABLE users"\ngit push -f origin main\n';
  const box = lines((await runCli(['approval', 'check', '--mode', 'never', '--sandboxed', '--stdin'], cleanEnv(d), 30_000, input)).stdout);
  assert.deepEqual(box.map((x) => [x.decision, x.rule]), [['ask', 'rm-rf-root'], ['run', 'mkfs'], ['run', 'sql-drop'], ['ask', 'git-push-force']]);
  const net = lines((await runCli(['approval', 'check', '--mode', 'never', '--network', '--stdin'], cleanEnv(d), 30_000, input)).stdout);
  assert.deepEqual(net.map((x) => x.decision), ['ask', 'run', 'ask', 'ask']);
  const all = lines((await runCli(['approval', 'check', '--mode', 'never', '--sandboxed', '--floor-in-sandbox', 'all', '--stdin'], cleanEnv(d), 30_000, input)).stdout);
  assert.deepEqual(all.map((x) => x.decision), ['ask', 'ask', 'ask', 'ask']);
  // moltis.toml is read: security_level = "deny" refuses everything, floor_in_sandbox from the file.
  const cfg = join(d.root, 'cfg');
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'moltis.toml'), '[tools.exec]\napproval_mode = "never"\nfloor_in_sandbox = "all"\n');
  const fromFile = lines((await runCli(['approval', 'check', '--config-dir', cfg, '--sandboxed', '--stdin'], cleanEnv(d), 30_000, input)).stdout);
  assert.deepEqual(fromFile.map((x) => x.decision), ['ask', 'ask', 'ask', 'ask']);
  writeFileSync(join(cfg, 'moltis.toml'), '[tools.exec]\nsecurity_level = "deny"\n');
  const denied = lines((await runCli(['approval', 'check', '--config-dir', cfg, '--', 'ls'], cleanEnv(d))).stdout);
  assert.equal(denied[0]!.decision, 'deny');
  const bad = await runCli(['approval', 'check', '--floor-in-sandbox', 'some', '--', 'ls'], cleanEnv(d));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /floor-in-sandbox.*outside-effects/);
});

test('approval check --stdin: a line out per line in; modes and allowlist apply', async () => {
  const input = 'ls -la\necho hi > f\ngit push -f origin main\n';
  const smart = (await runCli(['approval', 'check', '--stdin'], cleanEnv(d), 30_000, input)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(smart.map((x) => x.decision), ['run', 'ask', 'ask']);
  assert.deepEqual(smart.map((x) => x.floor), [false, false, true]);
  const never = (await runCli(['approval', 'check', '--mode', 'off', '--stdin'], cleanEnv(d), 30_000, input)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(never.map((x) => x.decision), ['run', 'run', 'ask']);
  const allowed = (await runCli(['approval', 'check', '--mode', 'never', '--allow', 'git push -f origin main', '--stdin'], cleanEnv(d), 30_000, input)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(allowed.map((x) => x.decision), ['run', 'run', 'run']);
});

test('net check: loopback and encoded loopback are refused (exit 1), with the reason', async () => {
  for (const url of ['http://127.0.0.1/', 'http://0x7f.1/', 'http://[::ffff:10.0.0.1]/']) {
    const r = await runCli(['net', 'check', url], cleanEnv(d));
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.allowed, false);
    assert.ok(j.reason.length > 0);
  }
  const ok = await runCli(['net', 'check', '--allow', '127.0.0.0/8', 'http://127.0.0.1/'], cleanEnv(d));
  assert.equal(JSON.parse(ok.stdout).allowed, true);
});

// The brief's "Cron Job Security" snippets and its tightened example, verbatim (comments included).
const BRIEF_CRON = `[cron]
rate_limit_max = 10 # max jobs per window
rate_limit_window_secs = 60 # window duration (1 minute)
`;
const BRIEF_CRON_SANDBOX = `# Per-job configuration
[cron.job.sandbox]
enabled = true # run in sandbox (default)
# image = "custom:latest" # optional custom image
`;
const BRIEF_TIGHT = `[cron]
rate_limit_max = 5
rate_limit_window_secs = 300 # 5 per 5 minutes
`;

test('config check: the brief\'s [cron] and [cron.job.sandbox] snippets pass verbatim; a bad key fails', async () => {
  for (const [name, toml] of [['cron', BRIEF_CRON], ['sandbox', BRIEF_CRON_SANDBOX], ['both', BRIEF_CRON + BRIEF_CRON_SANDBOX], ['tight', BRIEF_TIGHT]] as const) {
    const dir = join(d.root, `cfg-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'moltis.toml'), toml);
    const r = await runCli(['config', 'check', '--config-dir', dir], cleanEnv(d));
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
  const bad = join(d.root, 'cfg-bad');
  mkdirSync(bad, { recursive: true });
  writeFileSync(join(bad, 'moltis.toml'), '[cron]\nrate_limit_max = 10\nsystem = true\n');
  const r = await runCli(['config', 'check', '--config-dir', bad], cleanEnv(d));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /moltis\.toml:3:\d+: cron\.system/);
});
