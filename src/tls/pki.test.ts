import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureAutoTls } from './index.js';
import { createCa, issueLeaf, NAME_CONSTRAINTS_OID } from './pki.js';

const DAY = 86_400_000;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function tmp(): string { return mkdtempSync(join(tmpdir(), 'moltis-tls-')); }

/** Serves `key`/`cert` on 127.0.0.1:0 and makes one GET with the given client TLS options. */
async function handshake(server: { key: string; cert: string }, client: { ca?: string; servername: string }): Promise<number> {
  const srv = https.createServer({ key: server.key, cert: server.cert }, (_req, res) => { res.end('ok'); });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = srv.address() as AddressInfo;
    return await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', agent: false, servername: client.servername, ...(client.ca ? { ca: client.ca } : {}) }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    srv.closeAllConnections();
    await new Promise((resolve) => srv.close(resolve));
  }
}

test('first run: CA + leaf created, keys 0600, real TLS handshake trusts only with the CA', async () => {
  const dir = join(tmp(), 'certs');
  try {
    const r = await ensureAutoTls({ certsDir: dir, names: [], ips: [] });
    assert.equal(r.caCreated, true);
    assert.equal(r.leafIssued, true);
    assert.equal(r.source, 'auto');
    assert.equal(r.caPath, join(dir, 'ca.pem'));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of ['ca-key.pem', 'server-key.pem']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    for (const f of ['ca.pem', 'server.pem', 'server-sans.txt']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o644, f);
    assert.match(readFileSync(join(dir, 'ca-key.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(readFileSync(join(dir, 'server-sans.txt'), 'utf8'), 'dns:localhost\ndns:moltis.localhost\nip:127.0.0.1\nip:::1\n');
    assert.deepEqual(r.names, ['localhost', 'moltis.localhost', '127.0.0.1', '::1']);

    const leaf = new X509Certificate(r.cert); // first PEM of the chain
    const ca = new X509Certificate(r.caPem!);
    assert.equal(r.cert, readFileSync(join(dir, 'server.pem'), 'utf8') + r.caPem);
    assert.equal(leaf.verify(ca.publicKey), true);
    assert.equal(leaf.checkHost('localhost'), 'localhost');
    assert.equal(leaf.checkHost('moltis.localhost'), 'moltis.localhost');
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkIP('::1'), '::1');
    assert.equal(leaf.checkHost('evil.example'), undefined);
    assert.equal(leaf.ca, false);
    assert.equal(ca.ca, true);
    assert.match(ca.subject, /CN=Moltis Local CA/);
    assert.match(ca.subject, /O=Moltis/);
    assert.ok(Math.abs(new Date(leaf.validTo).getTime() - (Date.now() + 90 * DAY)) < 5 * 60_000);
    assert.ok(new Date(ca.validTo).getTime() > Date.now() + 3649 * DAY);

    assert.equal(await handshake(r, { ca: r.caPem!, servername: 'localhost' }), 200);
    await assert.rejects(handshake(r, { servername: 'localhost' }), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
      return true;
    });
  } finally { rmSync(join(dir, '..'), { recursive: true, force: true }); }
});

test('CA carries critical name constraints; a leaf for evil.example signed by the CA key is rejected', async () => {
  const dir = tmp();
  try {
    const r = await ensureAutoTls({ certsDir: dir, names: ['myhost'], ips: ['192.168.1.20'] });
    const caDer = new X509Certificate(r.caPem!).raw;
    // The extension is present and critical: look for its DER (OID 2.5.29.30, then BOOLEAN TRUE).
    assert.equal(NAME_CONSTRAINTS_OID, '2.5.29.30');
    assert.ok(caDer.includes(Buffer.from('0603551d1e0101ff', 'hex')), 'nameConstraints extension marked critical');

    const caKeyPem = readFileSync(join(dir, 'ca-key.pem'), 'utf8');
    const now = new Date();
    const evil = await issueLeaf({ ca: { certPem: r.caPem!, keyPem: caKeyPem }, now, notAfter: new Date(now.getTime() + DAY), dns: ['evil.example'], ips: [], commonName: 'evil.example' });
    // The signature itself is valid: only the name constraints stand between a stolen key and a MITM.
    assert.equal(new X509Certificate(evil.certPem).verify(new X509Certificate(r.caPem!).publicKey), true);

    // Attack over real TLS: a client that trusts the CA still refuses the evil leaf.
    await assert.rejects(handshake({ key: evil.keyPem, cert: evil.certPem + r.caPem }, { ca: r.caPem!, servername: 'evil.example' }),
      (err: Error) => { assert.match(err.message, /permitted subtree violation/); return true; });
    // …while the real leaf for a constrained-in name is accepted by the same client.
    assert.equal(await handshake(r, { ca: r.caPem!, servername: 'myhost' }), 200);
    // Control: the same kind of leaf under a CA whose constraints do include evil.example is accepted,
    // so the refusal above is the name constraint and nothing else.
    const other = await createCa({ now, validityDays: 10, permitted: { dns: ['evil.example'], ips: [] } });
    const ok = await issueLeaf({ ca: other, now, notAfter: new Date(now.getTime() + DAY), dns: ['evil.example'], ips: [], commonName: 'evil.example' });
    assert.equal(await handshake({ key: ok.keyPem, cert: ok.certPem + other.certPem }, { ca: other.certPem, servername: 'evil.example' }), 200);

    if (!hasOpenssl) return; // the CLI check below is an extra witness, not the only one
    writeFileSync(join(dir, 'evil.pem'), evil.certPem);
    const bad = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'evil.pem')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /permitted subtree violation/i);
    const good = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stdout + good.stderr);
    const text = spawnSync('openssl', ['x509', '-in', join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8' }).stdout;
    assert.match(text, /X509v3 Name Constraints: critical/);
    assert.match(text, /CA:TRUE, pathlen:0/);
    assert.match(text, /IP:127\.0\.0\.0\/255\.0\.0\.0/);
    assert.match(text, /IP:192\.168\.1\.20\/255\.255\.255\.255/);
    assert.match(text, /DNS:myhost\n/);
    assert.doesNotMatch(text, /DNS:evil/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('createCa/issueLeaf: random positive 16-byte serials, ecdsa-with-SHA256 over P-256', async () => {
  const now = new Date();
  const ca = await createCa({ now, validityDays: 10, permitted: { dns: ['localhost'], ips: ['127.0.0.0/8'] } });
  const a = await issueLeaf({ ca, now, notAfter: new Date(now.getTime() + DAY), dns: ['localhost'], ips: ['127.0.0.1'] });
  const b = await issueLeaf({ ca, now, notAfter: new Date(now.getTime() + DAY), dns: ['localhost'], ips: ['127.0.0.1'] });
  const sa = new X509Certificate(a.certPem).serialNumber;
  assert.equal(sa.length, 32);
  assert.ok(Number.parseInt(sa.slice(0, 2), 16) < 0x80);
  assert.notEqual(sa, new X509Certificate(b.certPem).serialNumber);
  const ku = new X509Certificate(a.certPem).keyUsage;
  assert.deepEqual(ku, ['1.3.6.1.5.5.7.3.1']); // Node reports extKeyUsage here
  const key = new X509Certificate(ca.certPem).publicKey;
  assert.equal(key.asymmetricKeyType, 'ec');
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(Buffer.from(new X509Certificate(ca.certPem).raw).includes(Buffer.from('06082a8648ce3d040302', 'hex')), 'ecdsa-with-SHA256 OID');
});
