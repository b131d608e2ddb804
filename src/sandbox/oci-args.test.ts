import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerName, envFileBody, instanceTag, ociRunArgs, parseOomKills, sessionHash } from './oci-args.js';

const limits = { memoryBytes: 64 * 1024 * 1024, cpuQuota: 0.5, pidsMax: 64, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };
const base = { name: containerName('s1', '/data'), sessionHash: sessionHash('s1'), instance: instanceTag('/data'), image: 'localhost/img:1', limits, cwd: '/data/sessions/s1/ws', home: '/data/sessions/s1/home' };

/** The value following `flag` in argv (every occurrence). */
const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []));

test('ociRunArgs confines the session container with every control', () => {
  const a = ociRunArgs(base);
  assert.deepEqual(a.slice(0, 2), ['run', '-d']);
  assert.deepEqual(values(a, '--pull'), ['never']);
  assert.deepEqual(values(a, '--name'), [`moltis-sbx-${instanceTag('/data')}-${sessionHash('s1')}`]);
  assert.deepEqual(values(a, '--label'), ['moltis.sandbox=1', `moltis.instance=${instanceTag('/data')}`, `moltis.session=${sessionHash('s1')}`]);
  assert.deepEqual(values(a, '--network'), ['none']);
  assert.deepEqual(values(a, '--cap-drop'), ['ALL']);
  assert.deepEqual(values(a, '--security-opt'), ['no-new-privileges']);
  assert.ok(a.includes('--read-only'));
  assert.ok(a.includes('--init'));
  assert.match(values(a, '--tmpfs')[0] ?? '', /^\/tmp:rw,nosuid,nodev,.*size=64m/);
  assert.deepEqual(values(a, '--memory'), [String(64 * 1024 * 1024)]);
  assert.deepEqual(values(a, '--memory-swap'), [String(64 * 1024 * 1024)]);
  assert.deepEqual(values(a, '--cpus'), ['0.5']);
  assert.deepEqual(values(a, '--pids-limit'), ['64']);
  assert.deepEqual(values(a, '--ulimit'), ['nofile=1024:1024', 'nproc=1024:1024', `fsize=${64 * 1024 * 1024}:${64 * 1024 * 1024}`, 'core=0:0']);
  // Only the session's own workspace and home, nosuid and nodev: no data dir, no socket unless trusted.
  assert.deepEqual(values(a, '-v'), ['/data/sessions/s1/ws:/workspace:rw,nosuid,nodev', '/data/sessions/s1/home:/home/sandbox:rw,nosuid,nodev']);
  assert.ok(!a.includes('--volume') && !a.includes('--mount') && !a.includes('--privileged'));
  assert.deepEqual(a.slice(-3), ['localhost/img:1', 'sleep', 'infinity']);
});

test('ociRunArgs for docker: -v without the mount flags docker refuses (--user and no-new-privileges stay)', () => {
  const a = ociRunArgs({ ...base, engine: 'docker' });
  assert.deepEqual(values(a, '-v'), ['/data/sessions/s1/ws:/workspace:rw', '/data/sessions/s1/home:/home/sandbox:rw']);
  assert.deepEqual(values(a, '--security-opt'), ['no-new-privileges']);
});

test('ociRunArgs in trusted mode mounts only the proxy socket more and runs the bridge', () => {
  const a = ociRunArgs({ ...base, proxySocket: '/run/moltis/proxy/s1.sock' });
  assert.deepEqual(values(a, '--network'), ['none']);
  assert.deepEqual(values(a, '-v').slice(2), ['/run/moltis/proxy/s1.sock:/run/moltis/proxy.sock:rw']);
  const img = a.indexOf('localhost/img:1');
  assert.deepEqual(a.slice(img + 1), ['socat', 'TCP-LISTEN:3128,bind=127.0.0.1,fork,reuseaddr', 'UNIX-CONNECT:/run/moltis/proxy.sock']);
});

test('ociRunArgs without a home gives a private tmpfs, never a host path', () => {
  const a = ociRunArgs({ ...base, home: undefined });
  assert.deepEqual(values(a, '-v'), ['/data/sessions/s1/ws:/workspace:rw,nosuid,nodev']);
  assert.ok(values(a, '--tmpfs').some((t) => t?.startsWith('/home/sandbox:')));
});

test('session names are stable, distinct and do not carry the raw key', () => {
  assert.equal(containerName('a'), containerName('a'));
  assert.notEqual(containerName('a'), containerName('b'));
  assert.ok(!containerName('user:secret').includes('secret'));
  // Two gateways on one engine never share a container name.
  assert.notEqual(containerName('a', '/home/x/.moltis'), containerName('a', '/home/y/.moltis'));
});

test('parseOomKills reads cgroup v1 and v2 counters', () => {
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n'), 3);
  assert.equal(parseOomKills('low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n'), 1);
  assert.equal(parseOomKills('nothing'), null);
});

test('envFileBody drops what an env file cannot carry', () => {
  const { body, dropped } = envFileBody({ A: '1', B: 'x=y z', 'BAD-NAME': '1', C: 'two\nlines' });
  assert.equal(body, 'A=1\nB=x=y z\n');
  assert.deepEqual(dropped, ['BAD-NAME', 'C']);
});

test('ociRunArgs lends the host /usr only to an image that asks, and only read-only', () => {
  assert.ok(!ociRunArgs(base).some((v) => v.startsWith('/usr:')));
  assert.deepEqual(values(ociRunArgs({ ...base, hostUsr: true }), '-v').slice(-1), ['/usr:/usr:ro,nosuid,nodev']);
  assert.deepEqual(values(ociRunArgs({ ...base, hostUsr: true, engine: 'docker' }), '-v').slice(-1), ['/usr:/usr:ro']);
});
