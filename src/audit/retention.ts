/**
 * Retention: prunes the oldest entries (by age, then by count) from the start of the log only,
 * so the rest stays one contiguous chain anchored by the checkpoint.
 */
import type { AuditRepo } from '../store/index.js';

/** `[audit]` retention settings. */
export interface AuditRetention { max_age_days: number; max_entries: number }

/** Prunes what `r` allows; returns how many entries were removed. */
export function pruneAuditLog(repo: AuditRepo, r: AuditRetention, now: number): number {
  const tip = repo.tip();
  if (!tip) return 0;
  let upTo = 0;
  if (r.max_age_days > 0) {
    // Only the prefix before the first young entry: an old timestamp after a young one is kept.
    const firstYoung = repo.firstIdAtOrAfter(now - r.max_age_days * 86_400_000);
    upTo = firstYoung === null ? tip.seq : firstYoung - 1;
  }
  upTo = Math.max(upTo, tip.seq - r.max_entries);
  return upTo > 0 ? repo.pruneThrough(upTo, now) : 0;
}
