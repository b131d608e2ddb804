/**
 * Vault figures, measured in this process (CPU-bound crypto, no server involved):
 *  - unseal: Argon2id at the vault's parameters (m=64 MiB, t=3, p=1) + DEK unwrap; baseline: one
 *    login password verification (Argon2id m=19 MiB, t=2) — the other KDF on the login path;
 *  - encrypt+decrypt of 1 KiB with the vault (XChaCha20-Poly1305, @noble/ciphers, AAD-bound);
 *    baseline: node:crypto's native ChaCha20-Poly1305 on the same 1 KiB;
 *  - a 1 KiB secret put+get through SQLite; baseline: the same upsert+select of plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createStore } from '../../src/store/index.js';
import { createVault } from '../../src/vault/index.js';
import { hashPassword, verifyPassword } from '../../src/crypto/index.js';
import { median } from './startup.js';
import type { Row } from './report.js';

const PASSWORD = 'correct horse battery staple';

/** Runs `fn` repeatedly for `ms` and returns operations per second. */
function rate(ms: number, fn: () => void): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) { for (let i = 0; i < 50; i++) fn(); n += 50; }
  return n / ((performance.now() - start) / 1000);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function vaultFigures(o: { runs: number; durationMs: number }): Promise<Row[]> {
  const store = createStore({ path: ':memory:' });
  const vault = createVault({ store, now: Date.now });
  await vault.initialize(PASSWORD);
  const unseal: number[] = [];
  for (let i = 0; i < o.runs; i++) { vault.seal(); unseal.push(await timed(() => vault.unseal(PASSWORD))); }
  const phc = await hashPassword(PASSWORD);
  const verify: number[] = [];
  for (let i = 0; i < o.runs; i++) verify.push(await timed(() => verifyPassword(phc, PASSWORD)));

  const kib = randomBytes(1024).toString('base64').slice(0, 1024);
  const vaultRate = rate(o.durationMs, () => { vault.decrypt(vault.encrypt(kib, 'secrets:1:["env","K"]:value'), 'secrets:1:["env","K"]:value'); });
  const key = randomBytes(32);
  const nativeRate = rate(o.durationMs, () => {
    const iv = randomBytes(12);
    const c = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    c.setAAD(Buffer.from('aad'), { plaintextLength: 1024 });
    const ct = Buffer.concat([c.update(kib, 'utf8'), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    d.setAAD(Buffer.from('aad'), { plaintextLength: 1024 });
    d.setAuthTag(tag);
    Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  });

  let i = 0;
  const secretRate = rate(o.durationMs, () => { const name = `K${i++ % 100}`; vault.secrets.put('env', name, kib); vault.secrets.get('env', name); });
  const plain = new Database(':memory:');
  plain.exec('CREATE TABLE t (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  const up = plain.prepare('INSERT INTO t (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  const get = plain.prepare('SELECT value FROM t WHERE name = ?');
  let j = 0;
  const plainRate = rate(o.durationMs, () => { const name = `K${j++ % 100}`; up.run(name, kib); get.get(name); });
  plain.close();
  vault.seal();
  store.close();
  return [
    { figure: `Vault unseal (Argon2id m=64 MiB, t=3) vs login password verify (m=19 MiB, t=2), ms, median of ${o.runs}`, unit: 'ms', moltis: median(unseal), baseline: median(verify), digits: 0 },
    { figure: 'Encrypt+decrypt 1 KiB, ops/s: vault XChaCha20-Poly1305 (JS) vs node:crypto ChaCha20-Poly1305 (native)', unit: 'ops/s', moltis: vaultRate, baseline: nativeRate, digits: 0 },
    { figure: 'Secret put+get 1 KiB through SQLite, ops/s: vault vs plaintext upsert+select', unit: 'ops/s', moltis: secretRate, baseline: plainRate, digits: 0 },
  ];
}
