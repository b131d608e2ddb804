import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bwrapArgs, createBwrapRunner, probeBwrap } from './bwrap.js';
import type { RunRequest } from './types.js';

const skip = spawnSync('bwrap', ['--version']).status === 0 ? false : 'bwrap is not installed (apt install bubblewrap)';
const limits = { memoryBytes: 256 * 1024 * 1024, cpuQuota: 1, pidsMax: 128, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };
const req = (over: Partial<RunRequest> & { command: string; cwd: string }): RunRequest => ({ env: {}, timeoutMs: 10_000, maxBytes: 65_536, ...over });

test('argv: every namespace, no capabilities, read-only root, no env values, command passed as one argument', () => {
  const a = bwrapArgs(req({ command: 'echo "$HOME"; rm -rf /', cwd: '/host/ws', home: '/host/home', env: { NO_PROXY: '*', A: 'secret-value' } }), '/etc-gen');
  for (const f of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session']) assert.ok(a.includes(f), f);
  // Env values (owner secrets) never reach the command line, where `ps` would show them.
  assert.ok(!a.some((x) => x.includes('secret-value')));
  assert.deepEqual(a.slice(a.indexOf('--cap-drop'), a.indexOf('--cap-drop') + 2), ['--cap-drop', 'ALL']);
  assert.deepEqual(a.slice(-4), ['--', '/bin/sh', '-c', 'echo "$HOME"; rm -rf /']);
  assert.ok(a.join(' ').includes('--bind /host/ws /workspace'));
  assert.ok(a.join(' ').includes('--bind /host/home /home/sandbox'));
  assert.ok(a.join(' ').includes('--remount-ro /'));
  assert.ok(!a.includes('NO_PROXY'));
  const sources = a.flatMap((x, i) => (x === '--bind' || x === '--ro-bind' || x === '--dev-bind' ? [a[i + 1]] : []));
  assert.ok(!sources.some((x) => x === '/' || x === '/etc' || x === '/root' || x === '/home'), 'no wholesale /, /etc, /root or /home');
});

test('argv: --disable-userns is left out for a bwrap that lacks it', () => {
  assert.ok(!bwrapArgs(req({ command: 'true', cwd: '/w' }), '/e', { disableUserns: false }).includes('--disable-userns'));
});

test('argv, gateway as root: joins the sandbox user namespace, no --uid, the command drops to the sandbox user via setpriv', () => {
  const a = bwrapArgs(req({ command: 'id', cwd: '/host/ws' }), '/e', { disableUserns: true, usernsFd: 3 });
  assert.deepEqual(a.slice(0, 2), ['--userns', '3']);
  for (const f of ['--unshare-user', '--uid', '--gid', '--disable-userns', '--unshare-all']) assert.ok(!a.includes(f), `${f} cannot be combined with --userns`);
  for (const f of ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session']) assert.ok(a.includes(f), f);
  // bwrap execs setpriv itself; the command runs in the shell that entered /workspace, after it.
  const cmd = a.indexOf('--', a.indexOf('--unsetenv'));
  assert.deepEqual(a.slice(cmd + 1, cmd + 10), ['setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--', '/bin/sh', '-c']);
  assert.equal(a.at(-1), 'cd /workspace || exit 125; unset OLDPWD\nid');
  assert.equal(a.length, cmd + 11);
  // Trusted: the bridge script starts socat, then execs setpriv; the command is its argument, never spliced into it.
  const t = bwrapArgs(req({ command: 'id', cwd: '/host/ws', network: 'trusted', proxySocket: '/p.sock' }), '/e', { usernsFd: 3 });
  assert.match(t.at(-3) ?? '', /\nexec setpriv --reuid=1000 --regid=1000 --clear-groups --bounding-set=-all --inh-caps=-all -- \/bin\/sh -c "\$1"$/);
  assert.deepEqual(t.slice(-2), ['moltis-sandbox', 'cd /workspace || exit 125; unset OLDPWD\nid']);
  // Mount points' parents are made enterable for a sandbox user that is not host root.
  assert.ok(a.join(' ').includes('--perms 0755 --dir /home --bind') || a.join(' ').includes('--perms 0755 --dir /home --tmpfs'));
  assert.ok(a.join(' ').includes('--perms 1777 --tmpfs /tmp'));
});

test('trusted mode without a proxy socket is refused (never an open network)', () => {
  assert.throws(() => bwrapArgs(req({ command: 'true', cwd: '/w', network: 'trusted' }), '/e'), /proxySocket/);
});

test('probe: bwrap works here with all namespaces', { skip }, async () => {
  const p = await probeBwrap();
  assert.equal(p.ok, true, p.reason);
  const bad = await probeBwrap({ bwrapPath: '/nonexistent/bwrap' });
  assert.equal(bad.ok, false);
});

test('runs as uid 1000 in /workspace with only the given env, workspace and home writable', { skip }, async () => {
  const d = mkdtempSync(join(tmpdir(), 'moltis-bw-'));
  const ws = join(d, 'ws'); const home = join(d, 'home');
  mkdirSync(ws); mkdirSync(home);
  const r = createBwrapRunner({ limits });
  try {
    const res = await r.run(req({
      command: 'id -u; id -g; pwd; echo "$FOO|$HOME|$PATH|$SECRET"; echo w > out.txt; echo h > ~/h.txt; hostname',
      cwd: ws, home, env: { FOO: 'bar', PATH: '/root/.evil:/usr/bin' },
    }));
    assert.equal(res.exitCode, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n'), ['1000', '1000', '/workspace', 'bar|/home/sandbox|/usr/local/bin:/usr/bin:/bin|', 'sandbox']);
    assert.equal(readFileSync(join(ws, 'out.txt'), 'utf8'), 'w\n');
    assert.equal(readFileSync(join(home, 'h.txt'), 'utf8'), 'h\n');
    assert.equal(r.isolated, true);
    assert.equal(r.name, 'bwrap');
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});

test('trusted mode: HTTP goes through the bridge to the proxy socket; direct connections have no route', { skip }, async () => {
  const d = mkdtempSync(join(tmpdir(), 'moltis-bw-'));
  const sock = join(d, 'proxy.sock');
  let seen = '';
  const proxy = createServer((q, s) => { seen = `${q.method} ${q.url}`; s.end('via-proxy'); });
  await new Promise<void>((res) => proxy.listen(sock, res));
  const r = createBwrapRunner({ limits });
  try {
    const res = await r.run(req({
      command: 'curl -s http://example.test/hello; echo; curl -s -m 3 --noproxy "*" http://1.1.1.1/; echo "direct=$?"; env | grep -ci no_proxy',
      cwd: d, network: 'trusted', proxySocket: sock, env: { NO_PROXY: '*' },
    }));
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines[0], 'via-proxy', res.stderr);
    assert.equal(seen, 'GET http://example.test/hello');
    assert.notEqual(lines[1], 'direct=0', 'a proxy-ignoring connection got out');
    assert.equal(lines[2], '0', 'NO_PROXY must be unset');
  } finally { await r.close(); proxy.close(); rmSync(d, { recursive: true, force: true }); }
});

test('network none: no proxy variables, nothing reachable, only loopback', { skip }, async () => {
  const d = mkdtempSync(join(tmpdir(), 'moltis-bw-'));
  const r = createBwrapRunner({ limits });
  try {
    const res = await r.run(req({ command: 'env | grep -ci proxy; ls /sys/class/net 2>/dev/null || cat /proc/net/dev | tail -n +3 | cut -d: -f1', cwd: d }));
    const [count, ...ifs] = res.stdout.trim().split('\n').map((s) => s.trim());
    assert.equal(count, '0');
    assert.deepEqual(ifs, ['lo']);
  } finally { await r.close(); rmSync(d, { recursive: true, force: true }); }
});


test('the gateway\'s own environment never reaches the command', { skip }, async () => {
  const d = mkdtempSync(join(tmpdir(), 'moltis-bw-'));
  const r = createBwrapRunner({ limits });
  process.env.MOLTIS_LEAK_CANARY = 'gateway-secret';
  try {
    const res = await r.run(req({ command: 'env | cut -d= -f1 | sort | tr "\\n" " "', cwd: d, env: { FOO: 'bar' } }));
    assert.equal(res.exitCode, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split(' ').filter((k) => k !== 'PWD'), ['FOO', 'HOME', 'PATH', 'USER']);
  } finally { delete process.env.MOLTIS_LEAK_CANARY; await r.close(); rmSync(d, { recursive: true, force: true }); }
});
