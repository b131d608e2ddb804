/**
 * Retention: prunes the oldest entries (by age, then by count) from the start of the log only,
 * so the rest stays one contiguous chain anchored by the checkpoint, and renews the signed seal.
 */
import type { AuditRepo } from '../store/index.js';
import { checkSeal, type AuditSigningKey, type SealProblem } from './seal.js';

/** `[audit]` retention settings. */
export interface AuditRetention { max_age_days: number; max_entries: number }

/** What one retention run did. `byCount`: entries young enough to keep but pushed out by `max_entries`. */
export interface PruneResult { pruned: number; byAge: number; byCount: number }

/** Prunes what `r` allows (sealing the new checkpoint with `sign` in the same transaction). */
export function pruneAuditLog(repo: AuditRepo, r: AuditRetention, now: number, sign: AuditSigningKey | null = null): PruneResult {
  const tip = repo.tip();
  const none = { pruned: 0, byAge: 0, byCount: 0 };
  if (!tip) return none;
  const start = repo.checkpoint()?.seq ?? 0;
  let ageUpTo = start;
  if (r.max_age_days > 0) {
    // Only the prefix before the first young entry: an old timestamp after a young one is kept.
    const firstYoung = repo.firstIdAtOrAfter(now - r.max_age_days * 86_400_000);
    ageUpTo = firstYoung === null ? tip.seq : firstYoung - 1;
  }
  const upTo = Math.max(ageUpTo, tip.seq - r.max_entries);
  if (upTo <= start) return none;
  const pruned = repo.pruneThrough(upTo, now, sign);
  const byCount = Math.min(pruned, Math.max(0, upTo - Math.max(ageUpTo, start)));
  return { pruned, byAge: pruned - byCount, byCount };
}

/**
 * One retention run of the gateway: checks the seal first; prunes; renews the seal over the new
 * checkpoint and tip. A broken or missing seal is never signed over (that would launder a forged
 * checkpoint): pruning still runs (the cap protects the disk) but stays unsigned, and the problem
 * is returned for the caller to report.
 */
export function runRetention(repo: AuditRepo, r: AuditRetention, now: number, key: AuditSigningKey | null): PruneResult & { sealProblem: SealProblem | null } {
  const sealProblem = key ? checkSeal(repo, key.publicKey) : null;
  const signer = key && !sealProblem ? key : null;
  const res = pruneAuditLog(repo, r, now, signer);
  // Nothing pruned: still move the anchor forward (one signature an hour).
  if (signer && res.pruned === 0 && repo.tip()) repo.writeSeal(now, signer);
  return { ...res, sealProblem };
}

/**
 * The gateway's retention job: each run prunes, renews the seal, audits `audit_pruned` (with how
 * many entries `max_entries` pushed out: the audit.retention_pressure rule reads it) and, once per
 * kind, a seal that does not hold (`audit_seal_refused`, with the way forward printed).
 */
export function createRetention(d: { repo: AuditRepo; retention: AuditRetention; key: AuditSigningKey | null; now: () => number; audit: (type: string, detail: string) => void; print: (line: string) => void }) {
  const reported = new Set<string>();
  return {
    run(): PruneResult {
      const r = runRetention(d.repo, d.retention, d.now(), d.key);
      if (r.pruned > 0) d.audit('audit_pruned', JSON.stringify({ entries: r.pruned, by_age: r.byAge, by_count: r.byCount, checkpoint: d.repo.checkpoint()?.seq ?? null, max_entries: d.retention.max_entries }));
      if (r.sealProblem && !reported.has(r.sealProblem.kind)) {
        reported.add(r.sealProblem.kind);
        d.print(`  WARNING: audit log seal: ${r.sealProblem.message}`);
        d.audit('audit_seal_refused', JSON.stringify({ kind: r.sealProblem.kind, seq: r.sealProblem.seq }));
      }
      return r;
    },
  };
}
