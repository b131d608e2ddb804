/**
 * The chain head kept outside the database (`audit.head` beside it): a pure hash chain cannot
 * see its newest entries cut off, nor a whole database swapped for another self-consistent one;
 * a second copy of the head (and of the prune checkpoint) can.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Sequence and hash of one entry. */
export interface ChainPoint { seq: number; hash: string }
/** Contents of the head file. */
export interface AuditHead { head: ChainPoint; checkpoint: ChainPoint | null }

/** `<dir of the database>/audit.head`. */
export const auditHeadPath = (dbPath: string): string => join(dirname(dbPath), 'audit.head');

const isPoint = (p: unknown): p is ChainPoint =>
  typeof p === 'object' && p !== null && Number.isSafeInteger((p as ChainPoint).seq) && typeof (p as ChainPoint).hash === 'string' && /^[0-9a-f]{64}$/.test((p as ChainPoint).hash);

/** Reads the head file: `null` when absent; throws (with the path) when unreadable or malformed. */
export function readAuditHead(path: string): AuditHead | null {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const v = JSON.parse(text) as AuditHead;
  // Fail closed: a head we cannot parse is reported, never ignored.
  if (!isPoint(v?.head) || !(v.checkpoint === null || isPoint(v.checkpoint))) throw new Error(`${path} is malformed`);
  return v;
}

/**
 * Replaces the head file atomically (write a temp file, rename over). No fsync: the database
 * itself commits with synchronous=FULL, and a head left behind by a crash or by a racing second
 * process only *lags* the database — verify accepts a head whose entry is still in the chain
 * with later entries after it. Not batched either: a batched head would lag by design, and a tail
 * cut inside the lag would go unseen. Measured on the 2-core dev VM: one append commits at ~200/s
 * (the database's own fsync dominates; the chain itself costs ~40 µs: ~24 k/s inside one
 * transaction); the head write (write + rename, ~1 ms here) brings that to ~160/s; an fsync of
 * the head would add ~8 ms an append (~50/s), too much for a login path.
 */
export function writeAuditHead(path: string, h: AuditHead): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(h), { mode: 0o600 });
  renameSync(tmp, path);
}
