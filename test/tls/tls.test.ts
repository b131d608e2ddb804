/**
 * TLS over real sockets: the auto CA is the only trust anchor a client needs, it survives
 * restarts byte for byte, keys stay private, custom certificates load (or fail naming the file),
 * TLS behind a proxy is refused unless allowed, and the session cookie is `Secure` exactly when
 * the browser's leg is HTTPS (a client-sent X-Forwarded-Proto is ignored unless behind a proxy).
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';

/** One GET over node:https; resolves with the status and the negotiated TLS protocol. */
function httpsGet(url: string, o: { ca?: string; servername?: string } = {}): Promise<{ status: number; protocol: string | null; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: u.hostname, port: u.port, path: u.pathname, agent: false,
      ...(o.ca ? { ca: o.ca } : {}), ...(o.servername ? { servername: o.servername } : {}),
    }, (res) => {
      const protocol = (res.socket as tls.TLSSocket).getProtocol();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, protocol, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'moltis-tls-sys-'));
const dirsIn = (root: string) => ({ root, configDir: join(root, 'config'), dataDir: join(root, 'data') });
const certsOf = (s: TestServer) => join(s.dirs.configDir, 'certs');

describe('auto TLS: the generated CA is the only trust anchor needed', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ tls: true }); });
  after(() => s.stop());

  test('a client trusting only the generated CA gets 200 on /health over TLS >= 1.2', async () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await request(`${s.url}/health`, { ca: s.tls!.caPem! });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { ok: true });

    const caFromDisk = readFileSync(join(certsOf(s), 'ca.pem'), 'utf8');
    const g = await httpsGet(`${s.url}/health`, { ca: caFromDisk });
    assert.equal(g.status, 200);
    assert.ok(g.protocol === 'TLSv1.2' || g.protocol === 'TLSv1.3', `negotiated ${g.protocol}`);
  });

  test('a client with the default trust store rejects the self-signed chain', async () => {
    await assert.rejects(httpsGet(`${s.url}/health`), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'SELF_SIGNED_CERT_IN_CHAIN');
      return true;
    });
  });

  test('the leaf is valid for localhost but not for another name, even with the CA trusted', async () => {
    const ca = s.tls!.caPem!;
    assert.equal((await httpsGet(`https://localhost:${s.port}/health`, { ca })).status, 200);
    await assert.rejects(httpsGet(`${s.url}/health`, { ca, servername: 'evil.example' }), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      return true;
    });
  });

  test('GET /certs/ca.pem is public and serves the same PEM as a PEM file', async () => {
    // A remote, unauthenticated caller: the same headers are refused on an API route.
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    const denied = await request(`${s.url}/api/rpc`, { method: 'POST', headers: remote, body: { method: 'status' }, ca: s.tls!.caPem! });
    assert.equal(denied.status, 401);
    const r = await request(`${s.url}/certs/ca.pem`, { headers: remote, ca: s.tls!.caPem! });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/x-pem-file/);
    assert.equal(r.text, readFileSync(join(certsOf(s), 'ca.pem'), 'utf8'));
    assert.match(r.text, /^-----BEGIN CERTIFICATE-----/);
  });

  test('private keys are 0600 and the certs directory 0700', () => {
    for (const f of ['ca-key.pem', 'server-key.pem']) assert.equal(statSync(join(certsOf(s), f)).mode & 0o777, 0o600, f);
    assert.equal(statSync(certsOf(s)).mode & 0o777, 0o700);
  });

  test('first start says the CA is new, not "replaced"', () => {
    assert.ok(s.printed.some((l) => l.startsWith('created Moltis local CA')), s.printed.join('\n'));
    assert.ok(!s.printed.some((l) => /replaced/i.test(l)), s.printed.join('\n'));
  });
});

test('a restart on the same directories keeps the CA byte for byte; the old CA verifies the new server', async () => {
  const first = await startTestServer({ tls: true });
  const dirs = first.dirs;
  try {
    const caBefore = readFileSync(join(certsOf(first), 'ca.pem'));
    const oldCa = first.tls!.caPem!;
    await first.stop({ keepDirs: true });
    const second = await startTestServer({ tls: true, dirs });
    try {
      assert.deepEqual(readFileSync(join(certsOf(second), 'ca.pem')), caBefore);
      assert.equal(second.tls!.caPem, oldCa);
      assert.equal((await httpsGet(`${second.url}/health`, { ca: oldCa })).status, 200);
      assert.ok(!second.printed.some((l) => /created Moltis local CA|WARNING/.test(l)), second.printed.join('\n'));
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
    rmSync(dirs.root, { recursive: true, force: true });
  }
});

/** A CA and a leaf for 127.0.0.1/localhost made by the openssl CLI (an independent issuer). */
function opensslPki(dir: string): { caPem: string; cert: string; key: string } {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Custom Test CA']);
  run(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '2', '-extfile', 'ext.cnf', '-out', 'leaf.pem']);
  return { caPem: join(dir, 'ca.pem'), cert: join(dir, 'leaf.pem'), key: join(dir, 'leaf.key') };
}

describe('custom certificate ([tls] cert_path / key_path)', () => {
  const root = tmp();
  const pki = opensslPki(root);
  after(() => rmSync(root, { recursive: true, force: true }));

  test('serves the configured leaf; a client trusting that CA connects, the auto CA is not made', async () => {
    const toml = `[tls]\ncert_path = ${JSON.stringify(pki.cert)}\nkey_path = ${JSON.stringify(pki.key)}\nca_cert_path = ${JSON.stringify(pki.caPem)}\n`;
    const s = await startTestServer({ tls: true, toml });
    try {
      const ca = readFileSync(pki.caPem, 'utf8');
      const g = await httpsGet(`${s.url}/health`, { ca });
      assert.equal(g.status, 200);
      await assert.rejects(httpsGet(`${s.url}/health`), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        return true;
      });
      assert.equal(existsSync(certsOf(s)), false, 'no auto CA in custom mode');
      const dl = await request(`${s.url}/certs/ca.pem`, { ca });
      assert.equal(dl.status, 200);
      assert.equal(dl.text, ca);
    } finally {
      await s.stop();
    }
  });

  test('a missing key_path file stops startup with a message naming the path', async () => {
    const missing = join(root, 'nope', 'server-key.pem');
    const dirs = dirsIn(tmp());
    try {
      const toml = `[tls]\ncert_path = ${JSON.stringify(pki.cert)}\nkey_path = ${JSON.stringify(missing)}\n`;
      await assert.rejects(startTestServer({ tls: true, toml, dirs }), (err: Error) => {
        assert.ok(err.message.includes(missing), err.message);
        assert.match(err.message, /key_path/);
        return true;
      });
    } finally {
      rmSync(dirs.root, { recursive: true, force: true });
    }
  });
});

describe('MOLTIS_BEHIND_PROXY with TLS on', () => {
  test('refuses to start, says --no-tls and MOLTIS_ALLOW_TLS_BEHIND_PROXY, and creates no CA', async () => {
    const dirs = dirsIn(tmp());
    try {
      await assert.rejects(startTestServer({ tls: true, dirs, env: { MOLTIS_BEHIND_PROXY: 'true' } }), (err: Error) => {
        assert.match(err.message, /--no-tls/);
        assert.match(err.message, /MOLTIS_ALLOW_TLS_BEHIND_PROXY/);
        return true;
      });
      assert.equal(existsSync(join(dirs.configDir, 'certs')), false);
    } finally {
      rmSync(dirs.root, { recursive: true, force: true });
    }
  });

  test('starts with MOLTIS_ALLOW_TLS_BEHIND_PROXY=true', async () => {
    const s = await startTestServer({ tls: true, env: { MOLTIS_BEHIND_PROXY: 'true', MOLTIS_ALLOW_TLS_BEHIND_PROXY: 'true' } });
    try {
      assert.equal((await request(`${s.url}/health`, { ca: s.tls!.caPem! })).status, 200);
    } finally {
      await s.stop();
    }
  });
});

describe('session cookie Secure flag', () => {
  const setCookie = (r: { headers: Record<string, unknown> }) => String(r.headers['set-cookie'] ?? '');

  test('over TLS the setup cookie is Secure', async () => {
    const s = await startTestServer({ tls: true });
    try {
      const r = await request(`${s.url}/api/auth/setup`, { method: 'POST', body: { password: PASSWORD }, ca: s.tls!.caPem! });
      assert.equal(r.status, 200, r.text);
      assert.match(setCookie(r), /moltis_session=[^;]+;.*; Secure/);
    } finally {
      await s.stop();
    }
  });

  test('plain HTTP behind a proxy: Secure when the proxy says https, not otherwise', async () => {
    const s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' } });
    try {
      const r = await request(`${s.url}/api/auth/setup`, {
        method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: { password: PASSWORD, setup_code: s.code() },
      });
      assert.equal(r.status, 200, r.text);
      assert.match(setCookie(r), /moltis_session=[^;]+;.*; Secure/);
      const plain = await request(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'x-forwarded-proto': 'http' }, body: { password: PASSWORD } });
      assert.equal(plain.status, 200, plain.text);
      assert.match(setCookie(plain), /moltis_session=[^;]+/);
      assert.doesNotMatch(setCookie(plain), /Secure/);
    } finally {
      await s.stop();
    }
  });

  test('plain HTTP not behind a proxy: never Secure, a client-sent X-Forwarded-Proto is ignored', async () => {
    const s = await startTestServer();
    try {
      const r = await request(`${s.url}/api/auth/setup`, {
        method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: { password: PASSWORD, setup_code: s.code() },
      });
      assert.equal(r.status, 200, r.text);
      assert.match(setCookie(r), /moltis_session=[^;]+/);
      assert.doesNotMatch(setCookie(r), /Secure/);
    } finally {
      await s.stop();
    }
  });

  test('behind a proxy, X-Forwarded-Proto from a peer outside trusted_proxies is ignored', async () => {
    const s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' }, toml: 'trusted_proxies = ["10.0.0.0/8"]\n' });
    try {
      const r = await request(`${s.url}/api/auth/setup`, {
        method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: { password: PASSWORD, setup_code: s.code() },
      });
      assert.equal(r.status, 200, r.text);
      assert.doesNotMatch(setCookie(r), /Secure/);
    } finally {
      await s.stop();
    }
  });
});
