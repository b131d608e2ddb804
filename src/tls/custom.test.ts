import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCustomTls, TlsError } from './index.js';
import { createCa, issueLeaf } from './pki.js';

async function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-tls-custom-'));
  const now = new Date();
  const ca = await createCa({ now, validityDays: 10, permitted: { dns: ['localhost'], ips: ['127.0.0.0/8'] } });
  const leaf = await issueLeaf({ ca, now, notAfter: new Date(now.getTime() + 86_400_000), dns: ['localhost'], ips: ['127.0.0.1'] });
  const p = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), otherKey: join(dir, 'other.pem') };
  writeFileSync(p.cert, leaf.certPem + ca.certPem);
  writeFileSync(p.key, leaf.keyPem);
  writeFileSync(p.ca, ca.certPem);
  writeFileSync(p.otherKey, ca.keyPem);
  return { dir, p, ca, leaf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('loadCustomTls returns the files as-is', async () => {
  const f = await fixture();
  try {
    const r = loadCustomTls({ certPath: f.p.cert, keyPath: f.p.key, caCertPath: f.p.ca });
    assert.deepEqual(r, { key: f.leaf.keyPem, cert: f.leaf.certPem + f.ca.certPem, caPem: f.ca.certPem, caPath: f.p.ca, source: 'custom' });
    const noCa = loadCustomTls({ certPath: f.p.cert, keyPath: f.p.key });
    assert.equal(noCa.caPem, null);
    assert.equal(noCa.caPath, null);
  } finally { f.cleanup(); }
});

test('loadCustomTls names the missing or bad file', async () => {
  const f = await fixture();
  try {
    const missing = join(f.dir, 'nope.pem');
    const cases: Array<[Parameters<typeof loadCustomTls>[0], TlsError['code'], string]> = [
      [{ certPath: missing, keyPath: f.p.key }, 'FILE_UNREADABLE', missing],
      [{ certPath: f.p.cert, keyPath: missing }, 'FILE_UNREADABLE', missing],
      [{ certPath: f.p.cert, keyPath: f.p.key, caCertPath: missing }, 'FILE_UNREADABLE', missing],
      [{ certPath: f.dir, keyPath: f.p.key }, 'FILE_UNREADABLE', f.dir],
      [{ certPath: f.p.key, keyPath: f.p.key }, 'PEM_INVALID', f.p.key],
      [{ certPath: f.p.cert, keyPath: f.p.cert }, 'PEM_INVALID', f.p.cert],
      [{ certPath: f.p.cert, keyPath: f.p.otherKey }, 'KEY_MISMATCH', f.p.otherKey],
    ];
    for (const [opts, code, path] of cases) {
      assert.throws(() => loadCustomTls(opts), (e: TlsError) => {
        assert.equal(e.code, code);
        assert.equal(e.path, path);
        assert.ok(e.message.includes(path), e.message);
        return true;
      });
    }
    assert.throws(() => loadCustomTls({ certPath: missing, keyPath: f.p.key }), /tls\.cert_path .*nope\.pem does not exist/);
  } finally { f.cleanup(); }
});
