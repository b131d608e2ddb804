/**
 * Attacker-chosen strings (method names, labels) reach the audit log only as a short prefix of
 * safe characters: a flood of distinct names cannot bloat the store, and no control character,
 * quote or newline can fake a field in an export or a terminal.
 */
const UNSAFE = /[^A-Za-z0-9._:/@+-]/g;

/** At most `max` characters of `s`, every unsafe character replaced by `?`, and `…` when cut. */
export function sanitizePrefix(s: string, max = 48): string {
  const cut = s.length > max;
  return s.slice(0, max).replace(UNSAFE, '?') + (cut ? '…' : '');
}
