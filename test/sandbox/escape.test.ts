import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBwrapRunner } from '../../src/sandbox/index.js';
import type { Runner, RunRequest } from '../../src/sandbox/index.js';

// Escape attempts against the bwrap sandbox. Each one attacks a control and would succeed on the
// host runner (checked in 'the same attacks succeed on the host' so the suite proves something).
const skip = spawnSync('bwrap', ['--version']).status === 0 ? false : 'bwrap is not installed (apt install bubblewrap)';
const limits = { memoryBytes: 256 * 1024 * 1024, cpuQuota: 1, pidsMax: 128, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };

let data = '';
let wsA = '';
let wsB = '';
let runner: Runner;
const run = (command: string, over: Partial<RunRequest> = {}) => runner.run({ command, cwd: wsA, env: {}, timeoutMs: 15_000, maxBytes: 65_536, ...over });

before(() => {
  // A stand-in data dir: database and config next to the sessions' workspaces.
  data = mkdtempSync(join(tmpdir(), 'moltis-data-'));
  writeFileSync(join(data, 'moltis.db'), 'SECRET-DB');
  mkdirSync(join(data, 'config'));
  writeFileSync(join(data, 'config', 'moltis.toml'), 'SECRET-CONFIG');
  wsA = join(data, 'sessions', 'a'); wsB = join(data, 'sessions', 'b');
  mkdirSync(wsA, { recursive: true }); mkdirSync(wsB, { recursive: true }); mkdirSync(join(data, 'home-a'));
  writeFileSync(join(wsB, 'notes.txt'), 'SECRET-B');
  runner = createBwrapRunner({ limits });
});
after(async () => { await runner?.close(); rmSync(data, { recursive: true, force: true }); });

test('the same attacks succeed on the host (the suite is not vacuous)', { skip }, async () => {
  const r = spawnSync('/bin/sh', ['-c', `cat ${join(data, 'moltis.db')} ${join(wsB, 'notes.txt')}`]);
  assert.equal(r.stdout.toString(), 'SECRET-DBSECRET-B');
});

test('cannot write outside the workspace: /usr, /etc, / are read-only', { skip }, async () => {
  const r = await run('for p in /usr/pwned /etc/pwned /pwned /bin/pwned; do touch $p 2>/dev/null && echo "wrote $p"; done; echo end');
  assert.equal(r.stdout, 'end\n');
  assert.equal(existsSync('/usr/pwned') || existsSync('/etc/pwned') || existsSync('/pwned'), false);
});

test('/tmp is private and gone after the run', { skip }, async () => {
  const name = `moltis-private-${process.pid}-${Date.now()}`;
  const r1 = await run(`echo x > /tmp/${name} && ls /tmp`);
  assert.equal(r1.stdout.trim(), name);
  assert.equal(existsSync(join('/tmp', name)), false, 'sandbox /tmp leaked to the host');
  const r2 = await run(`ls -A /tmp | wc -l`);
  assert.equal(r2.stdout.trim(), '0', 'the next run saw the previous run\'s /tmp');
});

test('data dir, database, config and another session\'s workspace are invisible', { skip }, async () => {
  const r = await run([
    `cat ${join(data, 'moltis.db')} ${join(data, 'config', 'moltis.toml')} ${join(wsB, 'notes.txt')} 2>/dev/null`,
    'cat ../b/notes.txt ../../moltis.db 2>/dev/null',
    'find / \\( -path /proc -o -path /usr -o -path /sys \\) -prune -o \\( -name moltis.db -o -name notes.txt -o -name moltis.toml \\) -print 2>/dev/null',
    'echo end',
  ].join('; '));
  assert.equal(r.stdout, 'end\n');
  assert.ok(!r.stdout.includes('SECRET'));
});

test('/root and the host /home are not there', { skip }, async () => {
  const r = await run('ls -A /root 2>&1 >/dev/null | wc -l; ls -A /home');
  assert.deepEqual(r.stdout.trim().split('\n'), ['1', 'sandbox']);
});

test('cannot kill a host process', { skip }, async () => {
  const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const r = await run(`kill -9 ${victim.pid} 2>/dev/null && echo killed || echo failed`);
    assert.equal(r.stdout.trim(), 'failed');
    assert.equal(victim.exitCode, null);
    assert.doesNotThrow(() => process.kill(victim.pid as number, 0), 'host process died');
  } finally { victim.kill('SIGKILL'); }
});

test('cannot reach a TCP server on the host\'s loopback', { skip }, async () => {
  let connections = 0;
  const srv = createServer((s) => { connections++; s.end('HOST'); });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as AddressInfo).port;
  try {
    const r = await run(`curl -s -m 3 --noproxy '*' http://127.0.0.1:${port}/; echo "rc=$?"`);
    assert.notEqual(r.stdout.trim(), 'rc=0');
    assert.ok(!r.stdout.includes('HOST'));
    assert.equal(connections, 0);
  } finally { srv.close(); }
});

test('processes of a concurrent run and of the host are invisible (pid namespace)', { skip }, async () => {
  const ac = new AbortController();
  const other = runner.run({ command: 'sleep 27.1828', cwd: wsB, env: {}, timeoutMs: 15_000, maxBytes: 1024, signal: ac.signal });
  try {
    // Wait until the other run's sleep is visible from the host, so the check below is meaningful.
    const visible = () => readdirSync('/proc').some((p) => { try { return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('27.1828'); } catch { return false; } });
    for (let i = 0; i < 100 && !visible(); i++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(visible());
    const r = await run('cat /proc/[0-9]*/cmdline | tr "\\0" " "; echo; ls /proc | grep -c "^[0-9]"');
    assert.ok(!r.stdout.includes('27.1828'), 'saw the other run');
    assert.ok(!r.stdout.includes('node'), 'saw the host');
  } finally { ac.abort(); await other; }
});

test('cannot create nested user namespaces (kernel attack surface)', { skip }, async () => {
  assert.equal(spawnSync('unshare', ['-U', 'true']).status, 0, 'control: unshare works on the host');
  const r = await run('unshare -U true 2>/dev/null && echo nested || echo refused');
  assert.equal(r.stdout.trim(), 'refused');
});

test('a timeout kills the whole tree inside the sandbox, background children included', { skip }, async () => {
  const r = await run('sleep 31.4159 & sleep 32.7182', { timeoutMs: 500 });
  assert.equal(r.timedOut, true);
  const alive = () => readdirSync('/proc').some((p) => { try { return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('31.4159'); } catch { return false; } });
  for (let i = 0; i < 50 && alive(); i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(alive(), false, 'background child survived the timeout');
});

test('cannot write kernel settings: /proc/sys is read-only (core_pattern would run code as host root)', { skip }, async () => {
  // The gateway runs as root here, so the sandbox uid maps to host uid 0: without the read-only
  // /proc/sys, `echo '|/proc/%P/root/workspace/x' > /proc/sys/kernel/core_pattern` plus a crash
  // runs x as host root. Only the current value is written back, so nothing changes either way.
  const r = await run([
    'for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe /proc/sys/vm/swappiness /proc/sysrq-trigger; do test -w $f && echo "writable $f"; done',
    // Nothing else of /proc outside the sandbox's own processes takes writes (Docker's masked set).
    'find /proc -maxdepth 3 -writable -not -path "/proc/[0-9]*" -not -path "/proc/self*" -not -path "/proc/thread-self*" 2>/dev/null | while read f; do [ -c "$f" ] || echo "writable $f"; done',
    // Kernel symbols and keys read as empty.
    'for f in /proc/kallsyms /proc/keys /proc/timer_list; do [ -e $f ] && [ -s $f ] && head -c 1 $f >/dev/null 2>&1 && [ -n "$(head -c 1 $f 2>/dev/null)" ] && echo "readable $f"; done',
    'v=$(cat /proc/sys/vm/swappiness); (echo "$v" > /proc/sys/vm/swappiness) 2>/dev/null && echo "wrote swappiness"',
    'echo end',
  ].join('; '));
  assert.equal(r.stdout, 'end\n', r.stdout + r.stderr);
});

// The gateway (and this suite, and CI) runs as root: without its own user namespace bwrap would
// map the sandbox user to host uid 0, so files it writes are root's and any root-owned file bound
// in is writable as root.
const asRoot = process.getuid?.() === 0;

test('root on the host is not root in the sandbox: what it creates is not owned by host uid 0', { skip }, async () => {
  const r = await run('id -u; touch made-here; mkdir dir-here; echo x > ~/in-home', { home: join(data, 'home-a') });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1000');
  for (const p of [join(wsA, 'made-here'), join(wsA, 'dir-here'), join(data, 'home-a', 'in-home')]) {
    const st = statSync(p);
    assert.notEqual(st.uid, 0, `${p} is owned by host root`);
    assert.notEqual(st.gid, 0, `${p} has host root's group`);
    if (asRoot) assert.deepEqual([st.uid, st.gid], [65534, 65534], 'the sandbox user is host nobody');
  }
});

test('a root-owned 0644 file in the (read-write) workspace cannot be modified from inside', { skip: skip || (asRoot ? false : 'needs root to place a root-owned file') }, async () => {
  const victim = join(wsA, 'root-owned.txt');
  writeFileSync(victim, 'ORIGINAL\n', { mode: 0o644 });
  chmodSync(victim, 0o644);
  mkdirSync(join(wsA, 'root-dir'), { mode: 0o755 });
  try {
    const r = await run([
      '(echo pwned >> root-owned.txt) 2>/dev/null && echo appended',
      '(truncate -s 0 root-owned.txt) 2>/dev/null && echo truncated',
      'chmod 666 root-owned.txt 2>/dev/null && echo chmodded',
      'chown 1000 root-owned.txt 2>/dev/null && echo chowned',
      'touch root-dir/new 2>/dev/null && echo wrote-in-root-dir',
      'echo end',
    ].join('; '));
    assert.equal(r.stdout, 'end\n', r.stdout + r.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'ORIGINAL\n');
    assert.equal(statSync(victim).mode & 0o7777, 0o644);
  } finally { rmSync(victim, { force: true }); rmSync(join(wsA, 'root-dir'), { recursive: true, force: true }); }
});

test('setuid: a chmod 4755 copy of /bin/sh leaves no setuid-root file on the host and gains nothing inside', { skip }, async () => {
  // A root-owned setuid copy of `id`, as if planted: nosuid mounts and no-new-privs must make it inert.
  const planted = join(wsA, 'suid-id');
  copyFileSync('/usr/bin/id', planted);
  chmodSync(planted, 0o4755);
  try {
    const r = await run([
      'cp /bin/sh ./sh-copy && chmod 4755 ./sh-copy && ls -ln ./sh-copy | cut -c1-10',
      './suid-id -u',
      './sh-copy -c "id -u"',
      'grep " /workspace " /proc/self/mountinfo | grep -c "nosuid,nodev"',
    ].join('; '));
    assert.deepEqual(r.stdout.trim().split('\n'), ['-rwsr-xr-x', '1000', '1000', '1'], r.stdout + r.stderr);
    const st = statSync(join(wsA, 'sh-copy'));
    assert.notEqual(st.uid, 0, 'the setuid copy is owned by host root');
  } finally { rmSync(planted, { force: true }); rmSync(join(wsA, 'sh-copy'), { force: true }); }
});

test('the host\'s setuid-root programs grant nothing: every mount is nosuid and no-new-privs is set', { skip }, async () => {
  // Host root is mapped inside (as the namespace's root, for bwrap's setup), so a setuid-root
  // program that took effect would make the command host root again.
  assert.ok(existsSync('/usr/bin/su'), 'control: a setuid-root program exists on this host');
  const r = await run('grep NoNewPrivs /proc/self/status; awk \'$6 !~ /nosuid/ { print "suid-capable " $5 }\' /proc/self/mountinfo; su -c "id -u" 2>/dev/null; id -u');
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['NoNewPrivs: 1', '1000'], r.stdout + r.stderr);
});
