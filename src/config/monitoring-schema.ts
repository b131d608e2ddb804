/**
 * `[monitoring]`: thresholds of the security alert rules (src/audit/alerts). Defaults and schema
 * live here, imported by schema.ts into the one defaults object and the one schema.
 */
import { z } from 'zod';

// Comments here record decisions; user-facing explanations live in example.ts.
export const MONITORING_DEFAULTS = {
  enabled: true,
  // Creations within one cron rate-limit window that count as "approaching the limit" (the
  // default limit is 10 a minute); a refusal by the limiter always alerts.
  cron_creations_warn: 8,
  // Denied approvals within exec_window_secs that count as a burst.
  exec_denied_burst: 3,
  exec_window_secs: 300,
  // New pending channel senders within senders_window_secs that count as a burst.
  new_senders_burst: 5,
  senders_window_secs: 60,
  // A flood must not bury the log: at most this many alerts per rule an hour, the rest counted.
  max_alerts_per_rule_per_hour: 20,
};

const D = MONITORING_DEFAULTS;
/** The `[monitoring]` table's schema (strict: unknown keys are errors). */
export const monitoringSchema = z.strictObject({
  enabled: z.boolean().prefault(D.enabled),
  cron_creations_warn: z.int().min(1).max(10_000).prefault(D.cron_creations_warn),
  exec_denied_burst: z.int().min(1).max(10_000).prefault(D.exec_denied_burst),
  exec_window_secs: z.int().min(1).max(86_400).prefault(D.exec_window_secs),
  new_senders_burst: z.int().min(1).max(10_000).prefault(D.new_senders_burst),
  senders_window_secs: z.int().min(1).max(86_400).prefault(D.senders_window_secs),
  max_alerts_per_rule_per_hour: z.int().min(1).max(10_000).prefault(D.max_alerts_per_rule_per_hour),
});
