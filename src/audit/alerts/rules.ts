/**
 * The named alert rules over the audit stream (the brief's "Monitor Events" plus auth, sandbox and
 * chain integrity). A rule sees one audit entry at a time and its own sliding windows.
 */
import type { AuditRow, CommandShapesRepo } from '../../store/index.js';
import { IDENTITY_FILE_NAMES } from '../../identity/index.js';
import { createNovelty, type NoveltySettings } from './novelty.js';

export type AlertSeverity = 'info' | 'warn' | 'high' | 'critical';
export const ALERT_RULES = [
  'cron.rapid_creation', 'identity.modification', 'exec.unusual_command', 'channels.unexpected_sender',
  'auth.bruteforce', 'auth.admin_key_created', 'sandbox.disabled', 'audit.chain_broken', 'audit.retention_pressure',
] as const;
export type AlertRuleName = (typeof ALERT_RULES)[number];

/** What a rule returns when it fires. */
export interface RuleHit { rule: AlertRuleName; severity: AlertSeverity; summary: string; evidence: number[] }

/** Thresholds the rules read (`[monitoring]` plus the cron rate-limit window). */
export interface RuleThresholds extends NoveltySettings {
  cron_creations_warn: number; cron_window_secs: number;
  exec_denied_burst: number; exec_window_secs: number;
  new_senders_burst: number; senders_window_secs: number;
  retention_pressure_percent: number; retention_pressure_window_hours: number;
}

// Obfuscation signals (seed: unusual command patterns): decoded payloads piped to a shell,
// variable indirection, loader injection, eval of built strings.
const OBFUSCATION: readonly [RegExp, string][] = [
  [/\b(base64|base32|xxd|openssl\s+(enc|base64))\b[^|]*(-d|--decode|-r)\b[^|]*\|\s*(ba|z|da|k)?sh\b/i, 'decoded payload piped to a shell'],
  [/\|\s*(ba|z|da|k)?sh\s*$|\|\s*(ba|z|da|k)?sh\s+-s?\b/i, 'output piped to a shell'],
  [/\$\{![^}]+\}|\beval\s+["'$]/, 'variable indirection or eval'],
  [/\bLD_PRELOAD\s*=|\bLD_LIBRARY_PATH\s*=|\bDYLD_INSERT_LIBRARIES\s*=/, 'dynamic loader injection'],
  [/\\x[0-9a-f]{2}(\\x[0-9a-f]{2}){3,}|\$'(\\[0-7]{3}){3,}/i, 'escaped byte string'],
];

/** The first obfuscation signal in a command, if any. */
export function obfuscationSignal(command: string): string | null {
  for (const [re, why] of OBFUSCATION) if (re.test(command)) return why;
  return null;
}

/** `key=value` from an audit detail (values are bare words or JSON strings). */
export function detailField(detail: string | null, key: string): string | null {
  if (!detail) return null;
  const m = new RegExp(`(?:^|\\s)${key}=("(?:[^"\\\\]|\\\\.)*"|\\S*)`).exec(detail);
  if (!m) return null;
  const v = m[1]!;
  if (v.startsWith('"')) { try { return JSON.parse(v) as string; } catch { return v; } }
  return v;
}

/** A sliding window of audit entry ids (bounded: older entries fall out by time and count). */
export function createWindow(max = 10_000) {
  let items: { id: number; at: number }[] = [];
  return {
    /** Adds an entry and returns the ids still inside `windowMs`. */
    add(id: number, at: number, windowMs: number): number[] {
      items.push({ id, at });
      items = items.filter((i) => i.at > at - windowMs).slice(-max);
      return items.map((i) => i.id);
    },
    clear(): void { items = []; },
  };
}

/** Builds the rule evaluator; one instance per engine (windows are per instance; seen commands in `shapes`). */
export function createRules(t: RuleThresholds, shapes: CommandShapesRepo | null = null) {
  const cron = createWindow();
  const denied = createWindow();
  const senders = createWindow();
  const novelty = shapes ? createNovelty(shapes, t) : null;
  let pruned: { id: number; at: number; n: number }[] = [];
  const hit = (rule: AlertRuleName, severity: AlertSeverity, summary: string, evidence: number[]): RuleHit => ({ rule, severity, summary, evidence });
  return (r: AuditRow): RuleHit[] => {
    const out: RuleHit[] = [];
    const d = r.detail;
    switch (r.event_type) {
      case 'cron_job_created': {
        if (detailField(d, 'by') === 'system') break;
        const ids = cron.add(r.id, r.created_at, t.cron_window_secs * 1000);
        if (ids.length >= t.cron_creations_warn) {
          out.push(hit('cron.rapid_creation', 'warn', `${ids.length} cron jobs created within ${t.cron_window_secs}s (approaching the rate limit)`, ids));
          cron.clear();
        }
        break;
      }
      case 'cron_rate_limited':
        out.push(hit('cron.rapid_creation', 'high', 'cron job creation refused by the rate limit', [r.id]));
        break;
      case 'identity_modification_denied':
        out.push(hit('identity.modification', 'high', `denied identity write by ${r.actor ?? 'unknown'}`, [r.id]));
        break;
      case 'identity_updated': {
        // Operators edit identity over RPC; a write from a model tool call or a channel turn is the threat.
        const via = detailField(d, 'via');
        if (via === 'tool' || via === 'channel' || detailField(d, 'session') !== null) out.push(hit('identity.modification', 'high', `identity written from ${via ?? 'a session'}`, [r.id]));
        break;
      }
      case 'approval_requested': case 'exec_denied': case 'exec_run': {
        const command = detailField(d, 'command') ?? '';
        const signal = obfuscationSignal(command);
        const rule = r.event_type === 'approval_requested' ? detailField(d, 'rule') : null;
        // A model's shell command naming an identity file is an identity write attempt (seed: Identity Protection).
        const file = IDENTITY_FILE_NAMES.find((n) => command.includes(n));
        if (file) out.push(hit('identity.modification', 'high', `a model command touches ${file} (${r.event_type.replace('_', ' ')})`, [r.id]));
        if (signal) out.push(hit('exec.unusual_command', 'high', `${signal} in ${r.event_type.replace('_', ' ')}`, [r.id]));
        else if (rule && rule !== '-') out.push(hit('exec.unusual_command', 'warn', `approval requested for a command matching floor rule ${rule}`, [r.id]));
        const session = detailField(d, 'session');
        if (novelty && session && r.event_type !== 'exec_denied') {
          // Learned from every command; reported only when nothing stronger was (one alert per entry).
          const n = novelty(r, session, command);
          if (n && !signal && !(rule && rule !== '-')) out.push(hit('exec.unusual_command', t.unusual_commands_severity, `${n.fresh.map((x) => JSON.stringify(x)).join(', ')} never run before in session family ${n.family} (${r.event_type.replace('_', ' ')})`, [r.id]));
        }
        break;
      }
      case 'approval_denied': {
        const ids = denied.add(r.id, r.created_at, t.exec_window_secs * 1000);
        if (ids.length >= t.exec_denied_burst) {
          out.push(hit('exec.unusual_command', 'warn', `${ids.length} approvals denied within ${t.exec_window_secs}s`, ids));
          denied.clear();
        }
        break;
      }
      case 'channel_sender_pending': {
        // The gate queues a group the first time an approved sender writes there: a chat nobody allowed.
        if (detailField(d, 'kind') === 'group') out.push(hit('channels.unexpected_sender', 'warn', `a message arrived from a ${detailField(d, 'type') ?? 'channel'} group that is not approved (${detailField(d, 'sender')?.slice(0, 40) ?? '?'})`, [r.id]));
        const ids = senders.add(r.id, r.created_at, t.senders_window_secs * 1000);
        if (ids.length >= t.new_senders_burst) {
          out.push(hit('channels.unexpected_sender', 'warn', `${ids.length} new channel senders within ${t.senders_window_secs}s`, ids));
          senders.clear();
        }
        break;
      }
      case 'audit_pruned': {
        // Entries still young enough for max_age_days, pushed out by max_entries: the log is being flooded.
        let p: { by_count?: unknown; max_entries?: unknown } = {};
        try { p = JSON.parse(d ?? '{}') as typeof p; } catch { break; }
        const n = typeof p.by_count === 'number' ? p.by_count : 0;
        const cap = typeof p.max_entries === 'number' ? p.max_entries : 0;
        if (n <= 0 || cap <= 0) break;
        const windowMs = t.retention_pressure_window_hours * 3600_000;
        pruned = [...pruned.filter((x) => x.at > r.created_at - windowMs), { id: r.id, at: r.created_at, n }].slice(-1000);
        const total = pruned.reduce((a, x) => a + x.n, 0);
        if (total * 100 >= cap * t.retention_pressure_percent) {
          out.push(hit('audit.retention_pressure', 'warn', `${total} audit entries younger than max_age_days were pruned by max_entries (${cap}) within ${t.retention_pressure_window_hours}h: something may be flooding the log to push evidence out`, pruned.map((x) => x.id)));
          pruned = [];
        }
        break;
      }
      case 'channel_sender_otp_locked':
        out.push(hit('channels.unexpected_sender', 'warn', 'a channel sender was locked out after wrong OTP codes', [r.id]));
        break;
      case 'ip_banned':
        out.push(hit('auth.bruteforce', 'high', `login guard banned ${r.client_ip ?? 'an address'} after repeated failures`, [r.id]));
        break;
      case 'key_created':
        // scopes= is written last; the label before it is user-chosen, so read the last occurrence.
        if (d !== null && d.includes('scopes=') && d.slice(d.lastIndexOf('scopes=') + 7).split(',').includes('operator.admin')) out.push(hit('auth.admin_key_created', 'warn', 'an API key with operator.admin was created', [r.id]));
        break;
      case 'sandbox_fallback':
        out.push(hit('sandbox.disabled', 'critical', 'the sandbox is unavailable: commands run without isolation', [r.id]));
        break;
      case 'audit_seal_refused': {
        // A log pruned before seals existed is expected after an upgrade (warn); a forged or rewritten one is not.
        const kind = /"kind":"([a-z_]+)"/.exec(d ?? '')?.[1] ?? 'unknown';
        out.push(hit('audit.chain_broken', kind === 'checkpoint_unsigned' ? 'warn' : 'critical', `the audit log's signed seal does not hold (${kind}): run \`moltis audit verify\``, [r.id]));
        break;
      }
      case 'audit_chain_broken': case 'audit_head_created':
        out.push(hit('audit.chain_broken', 'critical', r.event_type === 'audit_head_created' ? 'the audit head file was missing at start (possible truncation or replaced database)' : 'the audit log failed verification', [r.id]));
        break;
    }
    return out;
  };
}
