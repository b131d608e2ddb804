/**
 * The audit log's signing key and seal. Retention prunes from the start and keeps a checkpoint
 * (the hash of the last pruned entry); the hash chain alone cannot tell a genuine checkpoint from
 * one an attacker wrote after cutting more entries off, nor a chain recomputed after a rewrite.
 * The seal is an Ed25519 signature (node:crypto) over the checkpoint and the newest entry at
 * signing time (the anchor), renewed at every retention run (start and hourly): whoever can write
 * the database but not the key can neither move the checkpoint nor rewrite sealed entries unseen.
 *
 * Key placement — the config dir, not the data dir (where the database and its head file live):
 * the data dir is what the gateway writes all day, what backups restore, what a shared volume or
 * a sandbox workspace mount exposes, and what "someone who can write the database" holds. A key
 * beside the database would be in that attacker's hands and sign their forgery. The config dir is
 * read-mostly (it can be owned by another user or mounted read-only once the key exists), so a
 * data-dir writer cannot sign. Whoever runs as the gateway's own user reads both: out of scope
 * (they can also replace the program); keep the printed fingerprint elsewhere to notice a swapped key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealPayload, type AuditRepo, type AuditSeal, type ChainPoint, type SealSigner } from '../store/index.js';

/** The private key's file name inside the config dir (PKCS#8 PEM, mode 0600). */
export const AUDIT_SIGNING_KEY_FILE = 'audit-signing.key';

/** `<configDir>/audit-signing.key`. */
export const auditSigningKeyPath = (configDir: string): string => join(configDir, AUDIT_SIGNING_KEY_FILE);

/** A loaded signing key: its fingerprint, public half (exportable) and a signer for seals. */
export interface AuditSigningKey extends SealSigner { publicKey: KeyObject; publicPem: string }

/** `SHA256:` + hex of the SHA-256 of the public key's SubjectPublicKeyInfo (DER). */
export function keyFingerprint(pub: KeyObject): string {
  return `SHA256:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

function fromPrivatePem(pem: string, path: string): AuditSigningKey {
  let priv: KeyObject;
  try { priv = createPrivateKey(pem); } catch (err) { throw new Error(`${path} is not a private key (${(err as Error).message}): restore it from a backup`); }
  // Fail closed: only the key type the seal format names is accepted.
  if (priv.asymmetricKeyType !== 'ed25519') throw new Error(`${path} holds a ${priv.asymmetricKeyType} key; the audit seal needs Ed25519`);
  const publicKey = createPublicKey(priv);
  return {
    keyId: keyFingerprint(publicKey), publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (payload) => edSign(null, Buffer.from(payload), priv).toString('base64'),
  };
}

/** Reads the key from `configDir` (null: there is none yet); throws when it is unreadable. */
export function loadSigningKey(configDir: string): AuditSigningKey | null {
  const path = auditSigningKeyPath(configDir);
  let pem: string;
  try { pem = readFileSync(path, 'utf8'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return fromPrivatePem(pem, path);
}

/** Reads the key, creating it (0600, never overwriting one another process just wrote) on first use. */
export function loadOrCreateSigningKey(configDir: string): { key: AuditSigningKey; created: boolean } {
  const existing = loadSigningKey(configDir);
  if (existing) return { key: existing, created: false };
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try { writeFileSync(auditSigningKeyPath(configDir), pem, { mode: 0o600, flag: 'wx' }); } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: loadSigningKey(configDir)!, created: false };
  }
  return { key: fromPrivatePem(pem, auditSigningKeyPath(configDir)), created: true };
}

/** A public key from a PEM file (`--public-key`): SPKI, or a private key whose public half is used. */
export function readPublicKey(path: string): KeyObject {
  const pem = readFileSync(path, 'utf8');
  let k: KeyObject;
  try { k = createPublicKey(pem); } catch (err) { throw new Error(`${path} is not a PEM public key (${(err as Error).message})`); }
  if (k.asymmetricKeyType !== 'ed25519') throw new Error(`${path} holds a ${k.asymmetricKeyType} key; the audit seal is Ed25519`);
  return k;
}

/** What is wrong with a seal (kinds as in {@link AuditProblemKind}). */
export interface SealProblem { kind: 'checkpoint_unsigned' | 'checkpoint_forged' | 'checkpoint_unverifiable' | 'rewritten' | 'truncated'; seq: number | null; message: string }

const same = (a: ChainPoint | null, seq: number | null, hash: string | null) => (a?.seq ?? null) === seq && (a?.hash ?? null) === hash;
const at = (t: number) => new Date(t).toISOString();

/**
 * Checks the stored seal against `publicKey` and the database: signature, key, checkpoint and
 * anchor. `publicKey` null: no key to check with. Cheap (one row per point): the gateway runs it
 * before every renewal, so a broken seal is never re-signed over.
 */
export function checkSeal(repo: AuditRepo, publicKey: KeyObject | null): SealProblem | null {
  const seal = repo.seal();
  const cp = repo.checkpoint();
  const fix = 'if you have checked the log and trust it, `moltis audit adopt-checkpoint` signs it again (the adoption is recorded in the log)';
  if (!publicKey) {
    // Fail closed: a checkpoint whose signature cannot be checked could be a forgery.
    if (cp) return { kind: 'checkpoint_unverifiable', seq: cp.seq, message: `the prune checkpoint (entry ${cp.seq}) is signed, but there is no key to check it with: pass the gateway's --config-dir (it holds ${AUDIT_SIGNING_KEY_FILE}) or --public-key FILE` };
    return null;
  }
  if (!seal) {
    if (cp) return { kind: 'checkpoint_unsigned', seq: cp.seq, message: `the prune checkpoint (entry ${cp.seq}) is not signed: the log was pruned before checkpoints were signed, or the checkpoint was forged to hide entries removed from the start; ${fix}` };
    return null;
  }
  const fp = keyFingerprint(publicKey);
  if (seal.key_id !== fp) return { kind: 'checkpoint_forged', seq: seal.checkpoint_seq, message: `the seal was signed by key ${seal.key_id}, not by this gateway's key ${fp}: the seal was forged or the key replaced; ${fix}` };
  let valid = false;
  try { valid = edVerify(null, Buffer.from(sealPayload(seal)), publicKey, Buffer.from(seal.signature, 'base64')); } catch { valid = false; }
  if (!valid) return { kind: 'checkpoint_forged', seq: seal.checkpoint_seq, message: `the seal's signature does not match its contents: the seal (checkpoint ${seal.checkpoint_seq ?? 'none'}, anchor ${seal.anchor_seq ?? 'none'}) was forged or edited; ${fix}` };
  if (!same(cp, seal.checkpoint_seq, seal.checkpoint_hash)) {
    return { kind: 'checkpoint_forged', seq: cp?.seq ?? seal.checkpoint_seq, message: `the prune checkpoint in the database (${cp ? `entry ${cp.seq}` : 'none'}) is not the signed one (${seal.checkpoint_seq === null ? 'none' : `entry ${seal.checkpoint_seq}`}, signed ${at(seal.signed_at)}): entries were removed from the start, or the checkpoint was forged to hide them` };
  }
  if (seal.anchor_seq !== null && seal.anchor_seq !== seal.checkpoint_seq) {
    const h = repo.hashAt(seal.anchor_seq);
    if (h === null) {
      const t = repo.tip();
      if (!t || t.seq < seal.anchor_seq) return { kind: 'truncated', seq: (t?.seq ?? 0) + 1, message: `the seal of ${at(seal.signed_at)} covers entries up to ${seal.anchor_seq} but the log ends at ${t?.seq ?? 0}: the newest entries were cut off` };
      return { kind: 'checkpoint_forged', seq: seal.anchor_seq, message: `entry ${seal.anchor_seq}, sealed ${at(seal.signed_at)}, is missing` };
    }
    if (h !== seal.anchor_hash) return { kind: 'rewritten', seq: seal.anchor_seq, message: `entry ${seal.anchor_seq} differs from the one sealed ${at(seal.signed_at)}: entries up to ${seal.anchor_seq} were rewritten (and the chain recomputed) after they were sealed` };
  }
  return null;
}

/**
 * `moltis audit adopt-checkpoint`: the user has looked at a log whose checkpoint is unsigned (pruned
 * before seals existed) or whose seal no longer matches, and vouches for it. The adoption is
 * appended to the log first (what was wrong, which entry), then the current state is sealed.
 */
export function adoptCheckpoint(repo: AuditRepo, key: AuditSigningKey, now: number, actor: string): { adopted: SealProblem | null } {
  const problem = checkSeal(repo, key.publicKey);
  repo.append({ type: 'audit_checkpoint_adopted', actor, clientIp: null, now, detail: JSON.stringify({ was: problem?.kind ?? 'ok', seq: problem?.seq ?? null, key: key.keyId }) });
  repo.writeSeal(now, key);
  return { adopted: problem };
}

export type { AuditSeal };
