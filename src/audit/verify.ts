/**
 * Walks the audit chain from its anchor (genesis or the prune checkpoint) and names the first
 * entry that was altered, deleted, inserted or reordered; then compares the newest entries with
 * the head file to catch a cut-off tail or a swapped database.
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, canonicalFields, chainHash, chainHashOf, fromRawChainRow, toChainEntry, type AuditRepo, type StoredChainRow } from '../store/index.js';
import { checkSeal, keyFingerprint } from './seal.js';

/** What went wrong, by kind (stable strings: scripts branch on them). */
export type AuditProblemKind = 'altered' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'replaced' | 'head_missing' | 'head_unreadable' | 'checkpoint_mismatch'
  | 'checkpoint_unsigned' | 'checkpoint_forged' | 'checkpoint_unverifiable' | 'rewritten';
/** The first problem found, with the entry it concerns. */
export interface AuditProblem { kind: AuditProblemKind; seq: number | null; message: string }
/**
 * The seal as verification saw it: `valid` (signature, checkpoint and anchor check out), `unsealed`
 * (never pruned nor sealed yet: the chain from genesis is the anchor), `unchecked` (no key given
 * and nothing pruned, or the check was skipped).
 */
export interface SealStatus { status: 'valid' | 'unsealed' | 'unchecked'; keyId: string | null; signedAt: number | null; anchorSeq: number | null }
/** Outcome of a verification. */
export interface AuditVerifyResult { ok: boolean; entries: number; firstSeq: number | null; lastSeq: number | null; headLag: number; problem: AuditProblem | null; seal?: SealStatus }
/** `publicKey`: the gateway's seal key (null: none available); `seal: false` skips the seal check. */
export interface VerifyOptions { publicKey?: KeyObject | null; seal?: boolean }

const WINDOW = 50;

/** Verifies the chain, the head file and the signed seal of `repo`. */
export function verifyAuditLog(repo: AuditRepo, o: VerifyOptions = {}): AuditVerifyResult {
  const r = verifyChainAndHead(repo);
  if (!r.ok || o.seal === false) return r;
  const key = o.publicKey ?? null;
  const problem = checkSeal(repo, key);
  if (problem) return { ...r, ok: false, problem };
  const seal = repo.seal();
  return {
    ...r,
    seal: !key ? { status: 'unchecked', keyId: null, signedAt: null, anchorSeq: null }
      : seal ? { status: 'valid', keyId: keyFingerprint(key), signedAt: seal.signed_at, anchorSeq: seal.anchor_seq }
        : { status: 'unsealed', keyId: keyFingerprint(key), signedAt: null, anchorSeq: null },
  };
}

function verifyChainAndHead(repo: AuditRepo): AuditVerifyResult {
  const cp = repo.checkpoint();
  let prevSeq = cp?.seq ?? 0;
  let prevHash = cp?.hash ?? GENESIS_HASH;
  let entries = 0;
  let firstSeq: number | null = null;
  const fail = (kind: AuditProblemKind, seq: number | null, message: string): AuditVerifyResult =>
    ({ ok: false, entries, firstSeq, lastSeq: prevSeq || null, headLag: 0, problem: { kind, seq, message } });
  for (const page of repo.pages()) {
    for (const raw of page) {
      const id = raw[0];
      firstSeq ??= id;
      // A gap in the sequence: rows were deleted (or pruned without a checkpoint).
      if (id !== prevSeq + 1) return fail('deleted', prevSeq + 1, id === prevSeq + 2 ? `entry ${prevSeq + 1} is missing (deleted)` : `entries ${prevSeq + 1}..${id - 1} are missing (deleted)`);
      const h = raw[6];
      if (h === null || h !== chainHashOf(prevHash, canonicalFields(id, raw[5], raw[1], raw[2], raw[3], raw[4]))) return classify(repo, fromRawChainRow(raw), prevHash, fail);
      prevSeq = id;
      prevHash = h;
      entries++;
    }
  }
  const lastSeq = entries ? prevSeq : null;
  let head;
  try { head = repo.readHead(); } catch (err) { return fail('head_unreadable', null, `the head file cannot be read (${(err as Error).message}): restore it from a backup; the chain itself verified up to entry ${prevSeq}`); }
  if (repo.headPath === null) return { ok: true, entries, firstSeq, lastSeq, headLag: 0, problem: null };
  if (!head) {
    // Fail closed: without the head, a cut-off tail or a replaced database would go unseen.
    if (entries > 0 || cp) return fail('head_missing', null, `${repo.headPath} is missing: the newest entries could have been cut off unseen; the gateway recreates it (and logs audit_head_created) at its next start`);
    return { ok: true, entries, firstSeq, lastSeq, headLag: 0, problem: null };
  }
  if (head.head.seq > prevSeq) return fail('truncated', prevSeq + 1, `the head file names entry ${head.head.seq} but the log ends at ${prevSeq}: entries ${prevSeq + 1}..${head.head.seq} were cut off (or the database was replaced)`);
  const at = head.head.seq === (cp?.seq ?? 0) ? (cp?.hash ?? GENESIS_HASH) : repo.list({ limit: 1, afterId: head.head.seq - 1, ascending: true })[0]?.hash;
  if (head.head.seq < (cp?.seq ?? 0) || at !== head.head.hash) return fail('replaced', head.head.seq, `entry ${head.head.seq} differs from the head file: the database was replaced or rewritten`);
  if ((head.checkpoint?.seq ?? null) !== (cp?.seq ?? null) || (head.checkpoint?.hash ?? null) !== (cp?.hash ?? null)) {
    return fail('checkpoint_mismatch', cp?.seq ?? head.checkpoint?.seq ?? null, `the prune checkpoint in the database (${cp ? `entry ${cp.seq}` : 'none'}) differs from the head file's (${head.checkpoint ? `entry ${head.checkpoint.seq}` : 'none'}): entries were removed from the start`);
  }
  return { ok: true, entries, firstSeq, lastSeq, headLag: prevSeq - head.head.seq, problem: null };
}

/** Tells an altered entry from a moved, inserted or deleted-and-renumbered one (looks at nearby rows). */
function classify(repo: AuditRepo, r: StoredChainRow, prevHash: string, fail: (k: AuditProblemKind, s: number, m: string) => AuditVerifyResult): AuditVerifyResult {
  const p = r.id;
  const near = repo.list({ limit: 2 * WINDOW + 1, afterId: Math.max(0, p - WINDOW - 1), ascending: true }) as StoredChainRow[];
  const hashes = new Set<string>([prevHash, GENESIS_HASH, ...near.map((x) => x.hash ?? '')]);
  const validAt = (row: StoredChainRow, seq: number, prev: string) => row.hash === chainHash(prev, { ...toChainEntry(row), seq });
  const next = near.find((x) => x.id === p + 1);
  // The next row is the one that belonged here: a row was inserted and the rest renumbered.
  if (next && validAt(next, p, prevHash)) return fail('inserted', p, `entry ${p} was inserted (it is not part of the chain; later entries were renumbered)`);
  // The next row chains onto this one one seq later: the entry that belonged here was deleted and the rest renumbered.
  if (next && r.hash && validAt(next, p + 2, r.hash)) return fail('deleted', p, `entry ${p} was deleted (later entries were renumbered)`);
  for (const x of near) {
    if (x.id === p) continue;
    for (const h of hashes) if (validAt(r, x.id, h)) return fail('reordered', p, `entry ${p} belongs at position ${x.id}: entries were reordered`);
  }
  const head = (() => { try { return repo.readHead(); } catch { return null; } })();
  if (!next && head && head.head.seq < p) return fail('inserted', p, `entry ${p} was inserted after the last genuine entry (${head.head.seq})`);
  return fail('altered', p, `entry ${p} (${r.event_type.slice(0, 40)}) was altered: its hash does not match its contents`);
}
