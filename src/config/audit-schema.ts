/**
 * `[audit]`: retention of the hash-chained security audit log. Defaults and schema live here,
 * imported by schema.ts into the one defaults object and the one schema.
 */
import { z } from 'zod';

// Comments here record decisions; user-facing explanations live in example.ts.
export const AUDIT_DEFAULTS = {
  // A year of history; 0 keeps entries forever (then max_entries alone bounds the store).
  max_age_days: 365,
  // Bounds the file even under a flood of events (~300 bytes an entry: ~300 MB at this cap).
  max_entries: 1_000_000,
};

/** The `[audit]` table's schema (strict: unknown keys are errors). */
export const auditSchema = z.strictObject({
  max_age_days: z.int().min(0).max(36_500).prefault(AUDIT_DEFAULTS.max_age_days),
  // Fail closed on an unbounded store: a cap is required, and a tiny one would prune real evidence.
  max_entries: z.int().min(1000, 'max_entries must be at least 1000 (pruning faster than that loses evidence)').max(100_000_000).prefault(AUDIT_DEFAULTS.max_entries),
});
