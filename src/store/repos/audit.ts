import type { Db } from '../db.js';
import { AUDIT_TRIGGERS_SQL, DROP_AUDIT_TRIGGERS_SQL, GENESIS_HASH, chainHash, sealPayload, type AuditSeal, type RawChainRow, type SealSigner, type StoredChainRow } from './audit-chain.js';
import { createHeadWriter, readAuditHead, type AuditHead, type ChainPoint } from './audit-head.js';

/** One row of the append-only, hash-chained security audit log (`id` is the chain's sequence). */
export interface AuditRow { id: number; event_type: string; actor: string | null; client_ip: string | null; detail: string | null; created_at: number; hash: string }

/** Filters of a listing (all optional); newest first unless `ascending`. */
export interface AuditQuery { limit: number; before?: number | null; since?: number | null; type?: string | null; types?: readonly string[] | null; actor?: string | null; ascending?: boolean; afterId?: number | null }

/** Called with each appended entry (inside a caller's transaction it may still roll back). */
export type AuditListener = (row: AuditRow) => void;

const COLS = 'id, event_type, actor, client_ip, detail, created_at, hash';
const WHERE = `(@before IS NULL OR id < @before) AND (@after IS NULL OR id > @after) AND (@since IS NULL OR created_at >= @since)
  AND (@type IS NULL OR event_type = @type) AND (@types IS NULL OR event_type IN (SELECT value FROM json_each(@types)))
  AND (@actor IS NULL OR actor = @actor)`;

/**
 * Repository for the append-only security audit log. Every append extends the hash chain inside
 * an IMMEDIATE transaction (so two processes appending at once still form one chain), then
 * rewrites the head file beside the database when there is one (`headPath`, none for `:memory:`).
 */
export function createAuditRepo(db: Db, o: { headPath?: string | null } = {}) {
  const headPath = o.headPath ?? null;
  const lastRow = db.prepare('SELECT id, hash FROM auth_audit_log ORDER BY id DESC LIMIT 1');
  const checkpointRow = db.prepare('SELECT seq, hash FROM audit_checkpoint WHERE id = 1');
  const insert = db.prepare('INSERT INTO auth_audit_log (id, event_type, actor, client_ip, detail, created_at, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const listDesc = db.prepare(`SELECT ${COLS} FROM auth_audit_log WHERE ${WHERE} ORDER BY id DESC LIMIT @limit`);
  const listAsc = db.prepare(`SELECT ${COLS} FROM auth_audit_log WHERE ${WHERE} ORDER BY id ASC LIMIT @limit`);
  const typeCountsStmt = db.prepare('SELECT event_type AS type, COUNT(*) AS count FROM auth_audit_log GROUP BY event_type ORDER BY event_type');
  const checkpoint = (): ChainPoint | null => (checkpointRow.get() as ChainPoint | undefined) ?? null;
  const sealRow = db.prepare('SELECT checkpoint_seq, checkpoint_hash, anchor_seq, anchor_hash, signed_at, key_id, signature FROM audit_seal WHERE id = 1');
  const pageRaw = db.prepare(`SELECT ${COLS} FROM auth_audit_log WHERE id > ? ORDER BY id ASC LIMIT ?`).raw();
  const hashAtRow = db.prepare('SELECT hash FROM auth_audit_log WHERE id = ?').pluck();
  const saveSeal = db.prepare(`INSERT INTO audit_seal (id, checkpoint_seq, checkpoint_hash, anchor_seq, anchor_hash, signed_at, key_id, signature)
    VALUES (1, @checkpoint_seq, @checkpoint_hash, @anchor_seq, @anchor_hash, @signed_at, @key_id, @signature)
    ON CONFLICT (id) DO UPDATE SET checkpoint_seq = excluded.checkpoint_seq, checkpoint_hash = excluded.checkpoint_hash, anchor_seq = excluded.anchor_seq,
      anchor_hash = excluded.anchor_hash, signed_at = excluded.signed_at, key_id = excluded.key_id, signature = excluded.signature`);
  /** Signs the current checkpoint and tip (the anchor); call inside a transaction. */
  const signSeal = (now: number, sign: SealSigner): AuditSeal => {
    const cp = checkpoint();
    const anchor = tip();
    const probe = { checkpoint_seq: cp?.seq ?? null, checkpoint_hash: cp?.hash ?? null, anchor_seq: anchor?.seq ?? null, anchor_hash: anchor?.hash ?? null, signed_at: now };
    const s = { ...probe, key_id: sign.keyId, signature: sign.sign(sealPayload({ ...probe, key_id: sign.keyId })) };
    saveSeal.run(s);
    return s;
  };
  const tip = (): ChainPoint | null => {
    const r = lastRow.get() as { id: number; hash: string } | undefined;
    return r ? { seq: r.id, hash: r.hash } : checkpoint();
  };
  const head = headPath ? createHeadWriter(headPath) : null;
  const listeners = new Set<AuditListener>();
  const saveHead = (h: AuditHead) => head?.write(h);

  const appendTx = db.transaction((e: { type: string; actor: string | null; clientIp: string | null; detail: string | null; now: number }) => {
    const prev = tip();
    const seq = (prev?.seq ?? 0) + 1;
    const hash = chainHash(prev?.hash ?? GENESIS_HASH, { seq, time: e.now, type: e.type, actor: e.actor, ip: e.clientIp, detail: e.detail });
    insert.run(seq, e.type, e.actor, e.clientIp, e.detail, e.now, hash);
    return { row: { id: seq, event_type: e.type, actor: e.actor, client_ip: e.clientIp, detail: e.detail, created_at: e.now, hash }, cp: checkpoint() };
  });

  const pruneTx = db.transaction((upTo: number, now: number, sign: SealSigner | null): number => {
    const last = db.prepare('SELECT id, hash FROM auth_audit_log WHERE id <= ? ORDER BY id DESC LIMIT 1').get(upTo) as { id: number; hash: string } | undefined;
    if (!last) return 0;
    // The triggers refuse DELETE to every other writer; only this prefix cut lifts them, inside one transaction.
    db.exec(DROP_AUDIT_TRIGGERS_SQL);
    const n = db.prepare('DELETE FROM auth_audit_log WHERE id <= ?').run(last.id).changes;
    db.exec(AUDIT_TRIGGERS_SQL);
    db.prepare('INSERT INTO audit_checkpoint (id, seq, hash, pruned_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at').run(last.id, last.hash, now);
    // Same transaction: a checkpoint is never committed without the seal that covers it.
    if (sign) signSeal(now, sign);
    return n;
  });

  const repo = {
    headPath,
    append: (e: { type: string; actor?: string | null; clientIp: string | null; detail: string | null; now: number }): AuditRow => {
      const { row, cp } = appendTx.immediate({ ...e, actor: e.actor ?? null });
      // Inside a caller's transaction the entry may still roll back: a head ahead of the database
      // would look like a cut-off tail, so the head only moves after a real commit (it may lag).
      if (!db.inTransaction) saveHead({ head: { seq: row.id, hash: row.hash }, checkpoint: cp });
      // The one place every entry is announced (the `auth.audit` and `network.audit.entry` events
      // hang off it). The entry is already written: a throwing listener must not turn a login or
      // a proxied request into an error, so it is skipped and the others still run.
      for (const l of listeners) { try { l(row); } catch { /* listeners report their own failures */ } }
      return row;
    },
    /** Newest first (or oldest first with `ascending`); `before`/`afterId` page by id. */
    list: (q: AuditQuery): AuditRow[] =>
      (q.ascending ? listAsc : listDesc).all({
        limit: q.limit, before: q.before ?? null, after: q.afterId ?? null, since: q.since ?? null, type: q.type ?? null, actor: q.actor ?? null,
        types: q.types && q.types.length ? JSON.stringify(q.types) : null,
      }) as AuditRow[],
    /** Subscribes to every append (after the insert, in append order); returns the unsubscribe. */
    onAppend: (l: AuditListener): (() => void) => { listeners.add(l); return () => { listeners.delete(l); }; },
    /** Each stored event type with its number of entries (for the UI's type filter). */
    typeCounts: (): Array<{ type: string; count: number }> => typeCountsStmt.all() as Array<{ type: string; count: number }>,
    /**
     * Every stored row, oldest first, as raw arrays in pages of `size` (verification's read: paging
     * by id with `.raw()` reads 1 M rows in about half the time of a row-object iterator; pages of
     * 2000 stay in the young generation, 50 000 cost twice the CPU in GC).
     */
    *pages(size = 2000): Generator<RawChainRow[]> {
      let after = -Infinity;
      for (;;) {
        const rows = pageRaw.all(after, size) as RawChainRow[];
        if (rows.length) yield rows;
        if (rows.length < size) return;
        after = rows[rows.length - 1]![0];
      }
    },
    /** Every stored row, oldest first (for verification; rows may be forged, hence nullable hash). */
    iterate: (): IterableIterator<StoredChainRow> => db.prepare(`SELECT ${COLS} FROM auth_audit_log ORDER BY id ASC`).iterate() as IterableIterator<StoredChainRow>,
    /** Hash of the last pruned entry, if the log was ever pruned. */
    checkpoint,
    /** The newest entry (or the checkpoint of an emptied log). */
    tip,
    count: (): number => (db.prepare('SELECT COUNT(*) AS n FROM auth_audit_log').get() as { n: number }).n,
    /** Id of the first entry at or after `time` (null: none). */
    firstIdAtOrAfter: (time: number): number | null => (db.prepare('SELECT MIN(id) AS id FROM auth_audit_log WHERE created_at >= ?').get(time) as { id: number | null }).id,
    /**
     * Deletes every entry with id ≤ `upTo` and records the last one deleted as the checkpoint;
     * with `sign`, seals the new checkpoint and tip in the same transaction.
     */
    pruneThrough: (upTo: number, now: number, sign: SealSigner | null = null): number => {
      const n = pruneTx.immediate(upTo, now, sign);
      const t = tip();
      if (n > 0 && t) saveHead({ head: t, checkpoint: checkpoint() });
      return n;
    },
    /** The newest signed seal (null: never sealed). */
    seal: (): AuditSeal | null => (sealRow.get() as AuditSeal | undefined) ?? null,
    /** Signs the current checkpoint and tip and stores the seal. */
    writeSeal: (now: number, sign: SealSigner): AuditSeal => db.transaction(() => signSeal(now, sign)).immediate(),
    /** The stored hash of entry `seq` (null: no such entry). */
    hashAt: (seq: number): string | null => (hashAtRow.get(seq) as string | undefined) ?? null,
    /** The head file's contents (null: no file or an in-memory database). */
    readHead: (): AuditHead | null => (headPath ? readAuditHead(headPath) : null),
    /** Writes the head file from the database (used once, when a log predates the head file). */
    writeHeadFromDb: (): void => { const t = tip(); if (t) saveHead({ head: t, checkpoint: checkpoint() }); },
    close: (): void => { listeners.clear(); head?.close(); },
  };
  return repo;
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;
