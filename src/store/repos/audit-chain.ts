/**
 * The audit log's hash chain: one canonical form of an entry and one hash rule, shared by the
 * writer (append, migration) and the verifier so they can never disagree.
 */
import { hash } from 'node:crypto';

/** The hash "before" the first entry of a log that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chained fields of one entry (`seq` is the row id). */
export interface ChainEntry { seq: number; time: number; type: string; actor: string | null; ip: string | null; detail: string | null }

/** JSON array in a fixed field order: unambiguous (no separator an attacker-chosen string could fake). */
export function canonicalEntry(e: ChainEntry): string {
  return canonicalFields(e.seq, e.time, e.type, e.actor, e.ip, e.detail);
}

/** {@link canonicalEntry} from the fields themselves (verify's hot loop: no object per row). */
export function canonicalFields(seq: number, time: number, type: string, actor: string | null, ip: string | null, detail: string | null): string {
  return JSON.stringify([seq, time, type, actor, ip, detail]);
}

/** SHA-256(previous hash ‖ canonical entry), hex. */
export function chainHash(prevHash: string, e: ChainEntry): string {
  return chainHashOf(prevHash, canonicalEntry(e));
}

/**
 * The hash over an already canonical entry. One-shot `crypto.hash` (Node ≥ 20.12) over the same
 * bytes as before (`prev`, a newline, the canonical entry): a `createHash` object per entry (its
 * construction, three updates, digest) was the largest cost in the profile of `moltis audit verify`.
 */
export function chainHashOf(prevHash: string, canonical: string): string {
  return hash('sha256', `${prevHash}\n${canonical}`, 'hex');
}

/** The append-only triggers (re-created after the migration's back-fill and after each prune). */
export const AUDIT_TRIGGERS_SQL = `
  CREATE TRIGGER auth_audit_log_no_update BEFORE UPDATE ON auth_audit_log
    BEGIN SELECT RAISE(ABORT, 'auth_audit_log is append-only'); END;
  CREATE TRIGGER auth_audit_log_no_delete BEFORE DELETE ON auth_audit_log
    BEGIN SELECT RAISE(ABORT, 'auth_audit_log is append-only'); END;
`;
export const DROP_AUDIT_TRIGGERS_SQL = 'DROP TRIGGER IF EXISTS auth_audit_log_no_update; DROP TRIGGER IF EXISTS auth_audit_log_no_delete;';

/** A stored row as `SELECT id, event_type, actor, client_ip, detail, created_at, hash` returns it raw. */
export type RawChainRow = [id: number, event_type: string, actor: string | null, client_ip: string | null, detail: string | null, created_at: number, hash: string | null];
export const fromRawChainRow = (r: RawChainRow): StoredChainRow => ({ id: r[0], event_type: r[1], actor: r[2], client_ip: r[3], detail: r[4], created_at: r[5], hash: r[6] });

/** A stored row as the chain sees it. */
export interface StoredChainRow { id: number; event_type: string; actor: string | null; client_ip: string | null; detail: string | null; created_at: number; hash: string | null }

export const toChainEntry = (r: StoredChainRow): ChainEntry => ({ seq: r.id, time: r.created_at, type: r.event_type, actor: r.actor, ip: r.client_ip, detail: r.detail });

/** A seal as stored: the checkpoint and anchor it covers, when, by which key, and the signature. */
export interface AuditSeal {
  checkpoint_seq: number | null; checkpoint_hash: string | null;
  anchor_seq: number | null; anchor_hash: string | null;
  signed_at: number; key_id: string; signature: string;
}

/** Signs seal payloads: the key's id (fingerprint) and a signature (base64) over a payload. */
export interface SealSigner { keyId: string; sign(payload: string): string }

/**
 * The bytes a seal signs: a domain tag, then the covered fields in a fixed order (JSON array, so
 * no field can bleed into another). The key id is inside too: a seal cannot be relabelled.
 */
export function sealPayload(s: Omit<AuditSeal, 'signature'>): string {
  return JSON.stringify(['moltis-audit-seal/1', s.checkpoint_seq, s.checkpoint_hash, s.anchor_seq, s.anchor_hash, s.signed_at, s.key_id]);
}
