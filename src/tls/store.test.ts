import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAutoTls, TlsError, type EnsureAutoTlsOptions } from './index.js';
import { createCa, issueLeaf } from './pki.js';

const DAY = 86_400_000;
const T0 = Date.now();
const FILES = ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem', 'server-sans.txt'];
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A temp certs dir, a log collector and a runner pinned to T0 + `days`. */
function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'moltis-tls-'));
  const dir = join(root, 'certs');
  const logs: string[] = [];
  const run = (o: Partial<EnsureAutoTlsOptions> & { days?: number } = {}) => ensureAutoTls({
    certsDir: dir, names: ['myhost', 'myhost.local'], ips: [], log: (m) => logs.push(m),
    now: () => new Date(T0 + (o.days ?? 0) * DAY), ...o,
  });
  const snapshot = () => Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const mtimes = () => FILES.map((f) => statSync(join(dir, f)).mtimeMs);
  return { root, dir, logs, run, snapshot, mtimes, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('second start with the same inputs re-issues nothing and touches no file', async () => {
  const f = fixture();
  try {
    const first = await f.run();
    const before = f.snapshot();
    const m = f.mtimes();
    f.logs.length = 0;
    const second = await f.run({ days: 1 });
    assert.equal(second.caCreated, false);
    assert.equal(second.leafIssued, false);
    assert.deepEqual(f.snapshot(), before);
    assert.deepEqual(f.mtimes(), m);
    assert.deepEqual(f.logs, []);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
    assert.deepEqual(second.names, ['localhost', 'moltis.localhost', 'myhost', 'myhost.local', '127.0.0.1', '::1']);
    assert.equal(readdirSync(f.dir).filter((n) => n.endsWith('.tmp')).length, 0, 'no temp files left behind');
  } finally { f.cleanup(); }
});

test('70 days later (validity 90, renew 30): only the leaf is re-issued, CA bytes unchanged', async () => {
  const f = fixture();
  try {
    await f.run();
    const before = f.snapshot();
    const r = await f.run({ days: 70, leafValidityDays: 90, renewBeforeDays: 30 });
    assert.equal(r.caCreated, false);
    assert.equal(r.leafIssued, true);
    const after = f.snapshot();
    assert.equal(after['ca.pem'], before['ca.pem']);
    assert.equal(after['ca-key.pem'], before['ca-key.pem']);
    assert.notEqual(after['server.pem'], before['server.pem']);
    assert.notEqual(after['server-key.pem'], before['server-key.pem']);
    assert.ok(Math.abs(r.leafNotAfter.getTime() - (T0 + 160 * DAY)) < 1000);
    assert.equal(new X509Certificate(after['server.pem']!).verify(new X509Certificate(after['ca.pem']!).publicKey), true);
    assert.ok(!f.logs.some((l) => l.includes('WARNING')));
    // 59 days after that re-issue is still fine; the leaf is not rotated on every start.
    assert.equal((await f.run({ days: 70 + 59 })).leafIssued, false);
  } finally { f.cleanup(); }
});

test('a name outside the CA constraints replaces CA + leaf with a loud warning', async () => {
  const f = fixture();
  try {
    const first = await f.run();
    f.logs.length = 0;
    const r = await f.run({ names: ['myhost', 'myhost.local', 'newhost.lan'] });
    assert.equal(r.caCreated, true);
    assert.equal(r.leafIssued, true);
    assert.notEqual(r.caPem, first.caPem);
    assert.ok(f.logs.some((l) => /WARNING.*REPLACED.*newhost\.lan.*trust-ca/.test(l)), f.logs.join('\n'));
    assert.equal(new X509Certificate(r.cert).checkHost('newhost.lan'), 'newhost.lan');
  } finally { f.cleanup(); }
});

test('names and IPs inside existing constraints only re-issue the leaf', async () => {
  const f = fixture();
  try {
    const first = await f.run();
    for (const extra of [{ names: ['myhost', 'myhost.local', 'foo.localhost'] }, { names: ['myhost', 'a.myhost'] }, { ips: ['127.0.0.2'] }]) {
      f.logs.length = 0;
      const r = await f.run(extra);
      assert.equal(r.caCreated, false, JSON.stringify(extra));
      assert.equal(r.leafIssued, true, JSON.stringify(extra));
      assert.equal(r.caPem, first.caPem);
      assert.ok(!f.logs.some((l) => l.includes('WARNING')), f.logs.join('\n'));
    }
    assert.equal(new X509Certificate(readFileSync(join(f.dir, 'server.pem'))).checkIP('127.0.0.2'), '127.0.0.2');
    assert.match(readFileSync(join(f.dir, 'server-sans.txt'), 'utf8'), /^ip:127\.0\.0\.2$/m);
  } finally { f.cleanup(); }
});

test('a new LAN IP is outside the constraints: CA replaced, IP permitted as /32', async () => {
  const f = fixture();
  try {
    await f.run();
    const r = await f.run({ ips: ['192.168.1.20'] });
    assert.equal(r.caCreated, true);
    assert.equal(new X509Certificate(r.cert).checkIP('192.168.1.20'), '192.168.1.20');
    assert.equal((await f.run({ ips: ['192.168.1.20'] })).leafIssued, false);
  } finally { f.cleanup(); }
});

test('key files loosened to 0644 are set back to 0600 without re-issuing', async () => {
  const f = fixture();
  try {
    await f.run();
    chmodSync(join(f.dir, 'server-key.pem'), 0o644);
    chmodSync(join(f.dir, 'ca-key.pem'), 0o640);
    f.logs.length = 0;
    const r = await f.run();
    assert.equal(r.caCreated || r.leafIssued, false);
    assert.equal(statSync(join(f.dir, 'server-key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(f.dir, 'ca-key.pem')).mode & 0o777, 0o600);
    assert.equal(f.logs.filter((l) => /WARNING.*0600/.test(l)).length, 2);
  } finally { f.cleanup(); }
});

test('an existing certs dir writable by others is tightened to 0700', async () => {
  const f = fixture();
  try {
    mkdirSync(f.dir, { mode: 0o777 });
    chmodSync(f.dir, 0o777);
    await f.run();
    assert.equal(statSync(f.dir).mode & 0o777, 0o700);
  } finally { f.cleanup(); }
});

test('a broken or foreign leaf is re-issued; the CA stays', async () => {
  const f = fixture();
  try {
    const first = await f.run();
    writeFileSync(join(f.dir, 'server.pem'), '-----BEGIN CERTIFICATE-----\nMIIB'); // torn write
    let r = await f.run();
    assert.deepEqual([r.caCreated, r.leafIssued], [false, true]);
    // A leaf from another CA (e.g. a crash between writing ca.pem and server.pem).
    const now = new Date(T0);
    const other = await createCa({ now, validityDays: 10, permitted: { dns: ['localhost'], ips: ['127.0.0.0/8'] } });
    const foreign = await issueLeaf({ ca: other, now, notAfter: new Date(T0 + 90 * DAY), dns: ['localhost', 'moltis.localhost', 'myhost', 'myhost.local'], ips: ['127.0.0.1', '::1'] });
    writeFileSync(join(f.dir, 'server.pem'), foreign.certPem);
    writeFileSync(join(f.dir, 'server-key.pem'), foreign.keyPem);
    r = await f.run();
    assert.deepEqual([r.caCreated, r.leafIssued], [false, true]);
    assert.equal(r.caPem, first.caPem);
    assert.match(f.logs.join('\n'), /not issued by the current CA/);
    // A key that does not belong to the leaf.
    writeFileSync(join(f.dir, 'server-key.pem'), other.keyPem);
    assert.equal((await f.run()).leafIssued, true);
    assert.match(f.logs.join('\n'), /server-key\.pem does not match/);
  } finally { f.cleanup(); }
});

test('the CA is replaced when its key mismatches, it is near expiry, or it has no name constraints', async () => {
  const f = fixture();
  try {
    await f.run();
    writeFileSync(join(f.dir, 'ca-key.pem'), readFileSync(join(f.dir, 'server-key.pem')));
    let r = await f.run();
    assert.equal(r.caCreated, true);
    assert.match(f.logs.join('\n'), /WARNING.*REPLACED \(ca-key\.pem does not match ca\.pem\)/);

    r = await f.run({ days: 3650 - 20 });
    assert.equal(r.caCreated, true);
    assert.match(f.logs.join('\n'), /REPLACED \(the CA expires in 1\d days\)/);

    rmSync(join(f.dir, 'ca.pem'));
    r = await f.run();
    assert.equal(r.caCreated, true);
    assert.match(f.logs.join('\n'), /REPLACED \(CA files are missing\)/);

    if (!hasOpenssl) return;
    // A CA like the original made: no name constraints. Its key could vouch for any site.
    const res = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(f.dir, 'ca-key.pem'), '-out', join(f.dir, 'ca.pem'), '-subj', '/O=Moltis/CN=Moltis Local CA', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    r = await f.run({ days: 1 }); // openssl dated it from the wall clock, a little after T0

    assert.equal(r.caCreated, true);
    assert.match(f.logs.join('\n'), /REPLACED \(the CA has no name constraints\)/);
  } finally { f.cleanup(); }
});

test('first creation logs an info line, not a replacement warning', async () => {
  const f = fixture();
  try {
    await f.run();
    assert.ok(f.logs.some((l) => /created Moltis local CA .*trust-ca/.test(l)));
    assert.ok(!f.logs.some((l) => l.includes('WARNING')));
  } finally { f.cleanup(); }
});

test('an unreadable CA is an error, not a reason to replace it', async () => {
  const f = fixture();
  try {
    await f.run();
    // EISDIR stands in for EACCES (this test may run as root, which reads any file).
    rmSync(join(f.dir, 'ca-key.pem'));
    mkdirSync(join(f.dir, 'ca-key.pem'));
    await assert.rejects(f.run(), (err: TlsError) => err.code === 'FILE_UNREADABLE' && err.message.includes('ca-key.pem'));
  } finally { f.cleanup(); }
});

test('invalid names, IPs and options are refused before anything is written', async () => {
  const f = fixture();
  try {
    await assert.rejects(f.run({ names: ['bad name'] }), (err: TlsError) => err.code === 'INVALID_NAME' && err.message.includes('bad name'));
    await assert.rejects(f.run({ ips: ['999.1.1.1'] }), (err: TlsError) => err.code === 'INVALID_IP');
    await assert.rejects(f.run({ leafValidityDays: 30, renewBeforeDays: 30 }), (err: TlsError) => err.code === 'INVALID_OPTIONS');
    assert.throws(() => statSync(f.dir));
  } finally { f.cleanup(); }
});
