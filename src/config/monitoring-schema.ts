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
  // audit.retention_pressure: entries pushed out by [audit] max_entries (young enough for
  // max_age_days) within the window, as a percent of max_entries. At the default cap (1 M) that is
  // 50 k a day beyond the age limit: a busy installation prunes by count a little, a flood a lot.
  retention_pressure_percent: 5,
  retention_pressure_window_hours: 24,
  // exec.unusual_command for a program never seen before in its session family. Low severity (a new
  // tool is usually just new); silent while a family is learning (young or few commands seen).
  unusual_commands: true,
  unusual_commands_severity: 'info' as 'info' | 'warn',
  unusual_commands_learning_hours: 24,
  unusual_commands_learning_runs: 20,
  // Bounds of the persisted set (family keys include chat and job ids): least recently seen go first.
  unusual_commands_max_shapes: 500,
  unusual_commands_max_families: 1000,
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
  retention_pressure_percent: z.int().min(1).max(100).prefault(D.retention_pressure_percent),
  retention_pressure_window_hours: z.int().min(1).max(24 * 90).prefault(D.retention_pressure_window_hours),
  unusual_commands: z.boolean().prefault(D.unusual_commands),
  unusual_commands_severity: z.enum(['info', 'warn']).prefault(D.unusual_commands_severity),
  unusual_commands_learning_hours: z.int().min(0).max(24 * 365).prefault(D.unusual_commands_learning_hours),
  unusual_commands_learning_runs: z.int().min(0).max(1_000_000).prefault(D.unusual_commands_learning_runs),
  unusual_commands_max_shapes: z.int().min(10).max(100_000).prefault(D.unusual_commands_max_shapes),
  unusual_commands_max_families: z.int().min(1).max(100_000).prefault(D.unusual_commands_max_families),
});
