/**
 * Field rules, shared by update (violations are errors) and read (violations are warnings and
 * the field falls back to its default). One table, so a value the store would refuse to write
 * is also never fed to the prompt from a hand-edited file.
 */
import { IdentityError } from './errors.js';
import type { IdentityPatch } from './types.js';

/** Limits in Unicode code points (text bodies: UTF-8 bytes). */
export const LIMITS = {
  identityField: 100,
  emoji: 16,
  userField: 200,
  notes: 2000,
  /** SOUL.md and TOOLS.md, in UTF-8 bytes. */
  textBytes: 32 * 1024,
} as const;

interface FieldRule {
  max: number;
  multiLine: boolean;
  nonEmpty?: boolean;
  /** Extra check; returns a problem description or null. */
  check?: (v: string) => string | null;
}

const single = (max: number, extra: Partial<FieldRule> = {}): FieldRule => ({ max, multiLine: false, ...extra });

/** Rules for IDENTITY.md front matter keys. */
export const IDENTITY_RULES: Readonly<Record<string, FieldRule>> = Object.freeze({
  // An empty name would render as "Your name is ." and break the passkey RP slug derived from it.
  name: single(LIMITS.identityField, { nonEmpty: true }),
  emoji: single(LIMITS.emoji),
  creature: single(LIMITS.identityField),
  vibe: single(LIMITS.identityField),
});

/** Rules for USER.md front matter keys. */
export const USER_RULES: Readonly<Record<string, FieldRule>> = Object.freeze({
  name: single(LIMITS.userField),
  timezone: single(LIMITS.userField, { check: checkTimeZone }),
  locale: single(LIMITS.userField, { check: checkLocale }),
  pronouns: single(LIMITS.userField),
  notes: { max: LIMITS.notes, multiLine: true },
});

// C0/C1 controls and the Unicode line/paragraph separators: anything that can start a new line
// in the prompt or hide text in a one-line field.
const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

function checkTimeZone(v: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return null;
  } catch {
    return `unknown time zone "${v}" (expected an IANA name such as Europe/Paris)`;
  }
}

function checkLocale(v: string): string | null {
  try {
    Intl.getCanonicalLocales(v);
    return null;
  } catch {
    return `invalid locale "${v}" (expected a BCP 47 tag such as fr-FR)`;
  }
}

/** Why `value` breaks `rule`, or null when it is acceptable. */
export function fieldProblem(rule: FieldRule, value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.includes('\u0000')) return 'must not contain NUL';
  if (!rule.multiLine && SINGLE_LINE_FORBIDDEN.test(value)) return 'must be a single line without control characters';
  const len = [...value].length;
  if (len > rule.max) return `must be at most ${rule.max} characters, got ${len}`;
  if (rule.nonEmpty === true && value.trim() === '') return 'must not be empty';
  return value === '' ? null : (rule.check?.(value) ?? null);
}

/** Why a SOUL/TOOLS text is unacceptable, or null. */
export function textProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.includes('\u0000')) return 'must not contain NUL';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > LIMITS.textBytes) return `must be at most ${LIMITS.textBytes} bytes, got ${bytes}`;
  return null;
}

function invalid(field: string, problem: string): IdentityError {
  return new IdentityError('INVALID_IDENTITY', `${field} ${problem}`, field);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function checkSection(section: 'identity' | 'user', part: unknown, rules: Readonly<Record<string, FieldRule>>): void {
  if (!isPlainObject(part)) throw invalid(section, 'must be an object');
  for (const [key, value] of Object.entries(part)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    // Unknown keys are refused rather than ignored: a typo must not look like a saved change.
    if (rule === undefined) throw invalid(`${section}.${key}`, 'is not a known field');
    if (value === undefined) continue;
    // USER.md fields may be cleared with ''; identity fields keep their own rules (name non-empty).
    const problem = fieldProblem(rule, value);
    if (problem !== null) throw invalid(`${section}.${key}`, problem);
  }
}

/**
 * Validates an update patch; throws IdentityError(INVALID_IDENTITY) naming the first bad field.
 * Returns the patch narrowed to its known parts.
 */
export function validatePatch(patch: unknown): IdentityPatch {
  if (!isPlainObject(patch)) throw invalid('patch', 'must be an object');
  for (const key of Object.keys(patch)) {
    if (!['identity', 'user', 'soul', 'tools'].includes(key)) throw invalid(key, 'is not a known part (identity, user, soul, tools)');
  }
  if (patch.identity !== undefined) checkSection('identity', patch.identity, IDENTITY_RULES);
  if (patch.user !== undefined) checkSection('user', patch.user, USER_RULES);
  for (const key of ['soul', 'tools'] as const) {
    if (patch[key] === undefined) continue;
    const problem = textProblem(patch[key]);
    if (problem !== null) throw invalid(key, problem);
  }
  return patch as IdentityPatch;
}
