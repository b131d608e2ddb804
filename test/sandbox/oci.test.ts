import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOciRunner, instanceTag, probeOci } from '../../src/sandbox/oci.js';

// Containers of this file only: other test files (and gateways) on the same engine are left alone.
const INSTANCE = `oci-test-${process.pid}`;
import type { Runner, RunRequest } from '../../src/sandbox/index.js';
import { createTestPodman, ensureTestImage, podmanAvailable, type TestPodman } from '../support/oci-image.js';

const skip = podmanAvailable() ? false : 'podman is not installed';
const limits = { memoryBytes: 64 * 1024 * 1024, cpuQuota: 1, pidsMax: 64, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };

describe('OCI sandbox (real podman)', { skip }, () => {
  let image = '';
  let runner: Runner;
  // Podman storage of this file's own: the user's podman state is neither needed nor touched.
  let engine: TestPodman;
  let args: string[] = [];
  const podman = (...a: string[]) => spawnSync('podman', [...args, ...a], { encoding: 'utf8' });
  let base = '';
  const ws = (s: string) => join(base, 'sessions', s, 'workspace');
  const home = (s: string) => join(base, 'sessions', s, 'home');
  const req = (session: string, command: string, extra: Partial<RunRequest> = {}): RunRequest => ({
    command, cwd: ws(session), home: home(session), sessionKey: session,
    env: { PATH: '/bin:/usr/bin' }, timeoutMs: 20_000, maxBytes: 64 * 1024, ...extra,
  });

  before(async () => {
    engine = createTestPodman();
    args = engine.args;
    image = await ensureTestImage(args);
    base = mkdtempSync(join(tmpdir(), 'moltis-oci-'));
    // A gateway data dir beside the workspaces: the database must stay out of every sandbox.
    mkdirSync(join(base, 'data'));
    writeFileSync(join(base, 'data', 'moltis.db'), 'SQLITE-SECRET-ROW');
    for (const s of ['a', 'b', 'mem', 'cpu', 'trusted']) { mkdirSync(ws(s), { recursive: true }); mkdirSync(home(s), { recursive: true }); }
    writeFileSync(join(ws('b'), 'secret-b.txt'), 'B-SESSION-SECRET');
    runner = createOciRunner({ engine: 'podman', globalArgs: args, image, limits, instance: INSTANCE });
  });

  after(async () => {
    await runner?.close();
    engine?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  test('probe: engine, image and a trivial run work; the image has the proxy bridge', async () => {
    const p = await probeOci({ engine: 'podman', globalArgs: args, image });
    assert.equal(p.ok, true, p.reason);
    assert.equal(p.proxyBridge, true);
    const missing = await probeOci({ engine: 'podman', globalArgs: args, image: 'localhost/moltis-no-such-image:0' });
    assert.equal(missing.ok, false);
    assert.match(missing.reason, /not present locally/);
  });

  test('runs as a non-root user in /workspace with only the request env', async () => {
    const r = await runner.run(req('a', 'id -u; pwd; echo "[$SECRET][$HOME][$FOO]"; echo out > made.txt', { env: { PATH: '/bin', FOO: 'bar baz' } }));
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['65534', '/workspace', '[][/home/sandbox][bar baz]']);
    assert.equal(readFileSync(join(ws('a'), 'made.txt'), 'utf8'), 'out\n');
  });

  test('agent: one long-lived exec per session container, no engine process per command; the log says which path', async () => {
    for (const s of ['ag1', 'ag2']) { mkdirSync(ws(s), { recursive: true }); mkdirSync(home(s), { recursive: true }); }
    const execs: string[][] = [];
    const counting = ((file: string, a: readonly string[], opts: object) => { if (a.includes('exec')) execs.push([...a]); return spawn(file, a, opts); }) as typeof spawn;
    const logs: string[] = [];
    const r = createOciRunner({ engine: 'podman', globalArgs: args, image, limits, instance: `${INSTANCE}-ag`, spawn: counting, log: (m) => logs.push(m) });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await r.run(req('ag1', 'id -u; echo "[$FOO]"', { env: { FOO: `n${i}` } }));
        assert.equal(res.stdout, `65534\n[n${i}]\n`, res.stderr);
      }
      assert.equal(execs.filter((a) => a.includes('-i')).length, 1, execs.map((a) => a.join(' ')).join('\n'));
      assert.equal(execs.filter((a) => !a.includes('-i')).length, 0);
      assert.ok(logs.some((l) => /per-session exec agent/.test(l)), logs.join('\n'));
      // The command killed every process of its uid, the agent included: that run ends, the next gets a new agent.
      const k = await r.run(req('ag1', 'kill -9 -1; sleep 5'));
      assert.notEqual(k.exitCode, 0);
      assert.equal((await r.run(req('ag1', 'echo alive'))).stdout, 'alive\n');
      assert.equal(execs.filter((a) => a.includes('-i')).length, 2);
      // A second command in flight in the same session takes the CLI path, the first keeps the agent.
      const [slow, quick] = await Promise.all([r.run(req('ag1', 'sleep 1; echo slow')), (async () => { await new Promise((res) => setTimeout(res, 300)); return r.run(req('ag1', 'echo quick')); })()]);
      assert.deepEqual([slow.stdout, quick.stdout], ['slow\n', 'quick\n']);
      assert.equal(execs.filter((a) => !a.includes('-i')).length, 1);
    } finally { await r.close(); }
    // Fallback: when the agent cannot start, commands still run, one engine exec each, and the log says so.
    const failing = ((file: string, a: readonly string[], opts: object) => (a.includes('-i') ? spawn('/bin/false', [], opts) : spawn(file, a, opts))) as typeof spawn;
    const logs2: string[] = [];
    const f = createOciRunner({ engine: 'podman', globalArgs: args, image, limits, instance: `${INSTANCE}-ag`, spawn: failing, log: (m) => logs2.push(m) });
    try {
      assert.equal((await f.run(req('ag2', 'id -u'))).stdout, '65534\n');
      assert.equal((await f.run(req('ag2', 'echo again'))).stdout, 'again\n');
      assert.equal(logs2.filter((l) => /exec agent unavailable .*one `podman exec` per command/.test(l)).length, 1, logs2.join('\n'));
    } finally { await f.close(); }
  });

  test('escape: the root fs is read-only, host /root, the data dir and other sessions are invisible', async () => {
    const marker = join('/root', `.moltis-oci-marker-${process.pid}`);
    writeFileSync(marker, 'HOST-ROOT-SECRET');
    try {
      const r = await runner.run(req('a', [
        'touch /etc/evil /usr/evil /evil 2>&1; ls -a /root',
        `cat ${join(base, 'data', 'moltis.db')} ${join(ws('b'), 'secret-b.txt')} ${marker} /workspace/../data/moltis.db 2>&1`,
        'echo ==find', 'find / -xdev \\( -name moltis.db -o -name secret-b.txt -o -name ".moltis-oci-marker-*" \\) 2>/dev/null',
        'grep -r -l -e SQLITE-SECRET -e B-SESSION-SECRET -e HOST-ROOT-SECRET /workspace /home /tmp /run /etc 2>/dev/null; true',
      ].join('; ')));
      assert.match(r.stdout, /Read-only file system/);
      for (const secret of ['SQLITE-SECRET', 'B-SESSION-SECRET', 'HOST-ROOT-SECRET']) assert.ok(!r.stdout.includes(secret), `${secret} leaked: ${r.stdout}`);
      assert.equal(r.stdout.split('==find\n')[1], '', 'found by name inside the sandbox');
      assert.match(r.stdout, /^\.\n\.\.\n/m); // the container's /root is empty
      assert.ok(!existsSync('/etc/evil'));
    } finally { rmSync(marker, { force: true }); }
  });

  test('escape: a host process cannot be seen nor signalled (pid namespace)', async () => {
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const r = await runner.run(req('a', `kill -9 ${victim.pid}; echo rc=$?; ls /proc | grep -c '^[0-9]'`));
      assert.match(r.stdout, /rc=[1-9]/);
      assert.equal(victim.exitCode, null);
      assert.equal(victim.signalCode, null);
      process.kill(victim.pid!, 0); // still alive on the host
    } finally { victim.kill('SIGKILL'); }
  });

  test('escape: no network — a TCP server on the host loopback is unreachable', async () => {
    let hits = 0;
    const srv = createTcpServer((s) => { hits++; s.end('HELLO'); });
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    const port = (srv.address() as AddressInfo).port;
    try {
      const r = await runner.run(req('a', `wget -q -T 3 -O- http://127.0.0.1:${port}/ 2>&1; echo rc=$?; nc -w 2 127.0.0.1 ${port} </dev/null 2>&1; ip -o link 2>/dev/null | grep -vc ': lo:'`));
      assert.match(r.stdout, /rc=[1-9]/);
      assert.ok(!r.stdout.includes('HELLO'));
      assert.equal(hits, 0);
    } finally { srv.close(); }
  });

  test('reuse: one container per session; endSession removes it; a removed container is recreated', async () => {
    await runner.run(req('a', 'echo kept > /tmp/reuse'));
    const same = await runner.run(req('a', 'cat /tmp/reuse'));
    assert.equal(same.stdout, 'kept\n');
    const other = await runner.run(req('b', 'cat /tmp/reuse 2>&1; cat /workspace/secret-b.txt'));
    assert.match(other.stdout, /No such file/);
    assert.match(other.stdout, /B-SESSION-SECRET/);
    const names = () => podman('ps', '-a', '--filter', `label=moltis.instance=${instanceTag(INSTANCE)}`, '--format', '{{.Names}}').stdout.split('\n').filter(Boolean);
    assert.equal(names().length, 2);
    const nameA = names().find((n) => podman('inspect', '--format', '{{index .Config.Labels "moltis.session"}}', n).stdout.trim() !== '') ?? '';
    assert.ok(nameA);
    // Removed behind our back (or died): the next command gets a fresh container.
    for (const n of names()) podman('rm', '-f', '-t', '0', n);
    const fresh = await runner.run(req('a', 'cat /tmp/reuse 2>&1; echo ok'));
    assert.match(fresh.stdout, /No such file[\s\S]*ok/);
    // A command that only looks like a dead container runs once, never again on a "retry".
    const fake = await runner.run(req('a', 'echo run >> /workspace/count; echo "container is not running" >&2; exit 126'));
    assert.equal(fake.exitCode, 126);
    assert.equal(readFileSync(join(ws('a'), 'count'), 'utf8'), 'run\n');
    // A new workspace for the session means a new container (mounts are fixed at creation).
    await runner.run(req('a', 'echo kept > /tmp/reuse'));
    const moved = await runner.run(req('a', 'cat /tmp/reuse 2>&1; ls /workspace', { cwd: ws('b') }));
    assert.match(moved.stdout, /No such file[\s\S]*secret-b\.txt/);
    await runner.endSession('a');
    await runner.endSession('b');
    assert.deepEqual(names(), []);
    // A container of ours left over by a crashed gateway is removed when the next runner starts.
    assert.equal(podman('run', '-d', '--label', 'moltis.sandbox=1', '--label', `moltis.instance=${instanceTag(INSTANCE)}`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', image, 'sleep', 'infinity').status, 0);
    assert.equal(names().length, 1);
    const next = createOciRunner({ engine: 'podman', globalArgs: args, image, limits, instance: INSTANCE });
    try {
      assert.equal((await next.run(req('a', 'true'))).exitCode, 0);
      assert.equal(names().length, 1); // only its own, the leftover is gone
    } finally { await next.close(); }
    assert.deepEqual(names(), []);
  });

  test('limits: a memory hog is OOM-killed and reported; the session survives', async () => {
    const r = await runner.run(req('mem', 'dd bs=200M count=1 if=/dev/zero of=/dev/null'));
    assert.equal(r.exitCode, 137);
    assert.equal(r.limit, 'memory');
    const next = await runner.run(req('mem', 'echo alive'));
    assert.equal(next.stdout, 'alive\n');
  });

  test('limits: a fork bomb is bounded by the pids limit and the host stays fine', async () => {
    const r = await runner.run(req('mem', '(i=0; while [ $i -lt 300 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; read n < /sys/fs/cgroup/pids/pids.current; echo pids=$n'));
    // The subshell dies at its first failed fork (busybox sh); its children still count.
    const n = Number(/pids=(\d+)/.exec(r.stdout)?.[1]);
    assert.ok(n > 1 && n <= limits.pidsMax, r.stdout + r.stderr);
    assert.equal(spawnSync('true').status, 0);
    // The command's leftovers died with it.
    const after = await runner.run(req('mem', 'ps -o user,args'));
    assert.deepEqual(after.stdout.split('\n').filter((l) => /sleep 30$/.test(l.trim())), [], after.stdout);
  });

  test('limits: a CPU loop is killed at the timeout, its background children too', async () => {
    // Its own session: the fork bomb above leaves 'mem' at its pids limit until the kernel reaps.
    const r = await runner.run(req('cpu', "sleep 300 & setsid sh -c 'while :; do :; done' & while :; do :; done", { timeoutMs: 1500 }));
    assert.equal(r.timedOut, true, JSON.stringify(r));
    const ps = await runner.run(req('cpu', 'ps -o user,args > /tmp/ps.txt; cat /tmp/ps.txt'));
    const leftovers = ps.stdout.split('\n').filter((l) => /sleep 300|while :/.test(l));
    assert.deepEqual(leftovers, [], ps.stdout);
  });

  test('abort kills the command and its children inside the container', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 800);
    const r = await runner.run(req('mem', 'sleep 301 & sleep 302', { signal: ac.signal }));
    assert.equal(r.aborted, true);
    const ps = await runner.run(req('mem', 'ps -o user,args'));
    assert.deepEqual(ps.stdout.split('\n').filter((l) => /sleep 30[12]$/.test(l.trim())), [], ps.stdout);
  });

  test('limits: huge output is capped per stream', async () => {
    const r = await runner.run(req('mem', 'yes | head -c 5000000; yes err | head -c 300000 >&2', { maxBytes: 1000 }));
    assert.equal(r.truncated, true);
    assert.equal(r.stdout.length, 1000);
    assert.equal(r.stderr.length, 1000);
    assert.equal(r.exitCode, 0);
  });

  test('trusted mode: only the egress proxy socket is reachable, via the in-container bridge', async () => {
    const sockDir = mkdtempSync(join(tmpdir(), 'moltis-proxy-'));
    const sock = join(sockDir, 'proxy.sock');
    const seen: string[] = [];
    const proxy = createHttpServer((rq, rs) => { seen.push(`${rq.method} ${rq.url}`); rs.end(`proxied ${rq.url}`); });
    await new Promise<void>((ok) => proxy.listen(sock, ok));
    let direct = 0;
    const tcp = createTcpServer((s) => { direct++; s.end('DIRECT'); });
    await new Promise<void>((ok) => tcp.listen(0, '127.0.0.1', ok));
    const port = (tcp.address() as AddressInfo).port;
    try {
      const t = { network: 'trusted' as const, proxySocket: sock };
      const r = await runner.run(req('trusted', 'wget -q -O- http://example.test/', t));
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, 'proxied http://example.test/');
      assert.deepEqual(seen, ['GET http://example.test/']);
      // Bypassing the proxy (wget -Y off, nc) reaches nothing.
      const d = await runner.run(req('trusted', `wget -Y off -q -T 3 -O- http://127.0.0.1:${port}/ 2>&1; echo rc=$?; nc -w 2 127.0.0.1 ${port} </dev/null 2>&1; echo nc=$?`, t));
      assert.match(d.stdout, /rc=[1-9]/);
      assert.ok(!d.stdout.includes('DIRECT'));
      assert.equal(direct, 0);
    } finally {
      await runner.endSession('trusted');
      proxy.close(); tcp.close();
      rmSync(sockDir, { recursive: true, force: true });
    }
  });
  test('root on the host is not root in the container: what it creates is not host-root-owned (--user)', async () => {
    const r = await runner.run(req('a', 'id -u; touch made-in-oci; mkdir dir-in-oci; echo x > ~/home-in-oci'));
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), '65534');
    for (const p of [join(ws('a'), 'made-in-oci'), join(ws('a'), 'dir-in-oci'), join(home('a'), 'home-in-oci')]) {
      const st = statSync(p);
      assert.notEqual(st.uid, 0, `${p} is owned by host root`);
      assert.notEqual(st.gid, 0, `${p} has host root's group`);
    }
  });

  test('a root-owned 0644 file in the workspace cannot be modified from inside', { skip: process.getuid?.() === 0 ? false : 'needs root to place a root-owned file' }, async () => {
    const victim = join(ws('a'), 'root-owned.txt');
    writeFileSync(victim, 'ORIGINAL\n');
    chmodSync(victim, 0o644);
    try {
      const r = await runner.run(req('a', '(echo pwned >> root-owned.txt) 2>/dev/null && echo appended; (truncate -s 0 root-owned.txt) 2>/dev/null && echo truncated; chmod 666 root-owned.txt 2>/dev/null && echo chmodded; echo end'));
      assert.equal(r.stdout, 'end\n', r.stdout + r.stderr);
      assert.equal(readFileSync(victim, 'utf8'), 'ORIGINAL\n');
    } finally { rmSync(victim, { force: true }); }
  });

  test('setuid: a chmod 4755 copy of /bin/sh is not a setuid-root file on the host; mounts are nosuid,nodev; no new privileges', async () => {
    const r = await runner.run(req('a', [
      'cp /bin/sh ./sh-copy && chmod 4755 ./sh-copy && ls -ln ./sh-copy | cut -c1-10',
      'grep -E " /(workspace|home/sandbox) " /proc/self/mountinfo | grep -c "nosuid,nodev"',
      'grep NoNewPrivs /proc/self/status',
    ].join('; ')));
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['-rwsr-xr-x', '2', 'NoNewPrivs: 1'], r.stdout + r.stderr);
    assert.notEqual(statSync(join(ws('a'), 'sh-copy')).uid, 0, 'the setuid copy is owned by host root');
    rmSync(join(ws('a'), 'sh-copy'), { force: true });
  });

  describe('disk: file_size_limit and disk_limit', () => {
    const MiB = 1024 * 1024;
    const small = { ...limits, fileSizeBytes: 4 * MiB, diskBytes: 24 * MiB };
    let disk: Runner;
    const held = (dir: string): number => readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).reduce((a, e) => a + statSync(join(e.parentPath ?? e.path, e.name)).size, 0);
    const fresh = (s: string) => { rmSync(ws(s), { recursive: true, force: true }); rmSync(home(s), { recursive: true, force: true }); mkdirSync(ws(s), { recursive: true }); mkdirSync(home(s), { recursive: true }); };
    before(() => { disk = createOciRunner({ engine: 'podman', globalArgs: args, image, limits: small, instance: `${INSTANCE}-disk`, disk: { fullCheckMs: 1000 } }); });
    after(async () => { await disk?.close(); });

    test('a file bigger than file_size_limit stops at the limit (RLIMIT_FSIZE in the container), and the run says why', async () => {
      fresh('fs');
      const r = await disk.run(req('fs', 'head -c 12582912 /dev/zero > big'));
      assert.equal(r.exitCode, 128 + 25, r.stderr);
      assert.equal(r.limit, 'file-size');
      assert.equal(statSync(join(ws('fs'), 'big')).size, small.fileSizeBytes);
    });

    test('many files under the size limit: killed once workspace + home pass disk_limit', async () => {
      fresh('many');
      const r = await disk.run(req('many', 'i=0; while :; do head -c 1048576 /dev/zero > f$i || exit 3; head -c 524288 /dev/zero > ~/h$i || exit 3; i=$((i+1)); done', { timeoutMs: 60_000 }));
      assert.equal(r.limit, 'disk', `${r.exitCode} ${r.stderr}`);
      assert.equal(r.timedOut, false);
      const total = held(ws('many')) + held(home('many'));
      assert.ok(total > small.diskBytes && total < small.diskBytes + 64 * MiB, String(total));
    });

    test('a writer left running after its command (setsid) is stopped at the limit too', async () => {
      fresh('bg');
      // The command returns once its leftover has detached (its own session) and begun writing.
      const r = await disk.run(req('bg', "setsid sh -c 'i=0; while :; do head -c 1048576 /dev/zero > /workspace/bg$i; i=$((i+1)); sleep 0.02; done' >/dev/null 2>&1 & while [ ! -e /workspace/bg1 ]; do sleep 0.02; done; echo started"));
      assert.equal(r.stdout, 'started\n');
      // Without the session-long guard the leftover writes until the container goes: wait (bounded)
      // until the workspace stops growing, then check where it stopped.
      let before = -1;
      let settled = held(ws('bg'));
      for (let i = 0; i < 40 && settled !== before; i++) { await new Promise((ok) => setTimeout(ok, 750)); before = settled; settled = held(ws('bg')); }
      assert.equal(settled, before, `the leftover writer is still writing (${settled} bytes)`);
      assert.ok(settled > small.diskBytes && settled < small.diskBytes + 64 * MiB, String(settled));
      const next = await disk.run(req('bg', 'ps -o user,args | grep -c "[h]ead -c" ; echo alive'));
      assert.match(next.stdout, /^0\nalive\n$/);
    });
  });
});
