/**
 * The exec policy vocabulary of `[tools.exec]`: approval modes (with the original's aliases),
 * security levels and where the dangerous-command floor applies inside a sandbox. One definition:
 * the schema, the classifier, the exec tool and the CLI all import these.
 */

/** `approval_mode`: when a human is asked before a command runs. */
export const APPROVAL_MODES = ['always', 'smart', 'never'] as const;
export type ApprovalMode = typeof APPROVAL_MODES[number];

/** The original's names for the modes, accepted and mapped. */
const APPROVAL_MODE_ALIASES: Readonly<Record<string, ApprovalMode>> = { 'on-miss': 'smart', on_miss: 'smart', off: 'never' };

/** `security_level`: "full" runs what approval allows (the floor still holds); "allowlist" runs only allowlisted commands unasked; "deny" refuses every command. */
export const SECURITY_LEVELS = ['full', 'allowlist', 'deny'] as const;
export type SecurityLevel = typeof SECURITY_LEVELS[number];

/**
 * `floor_in_sandbox`: which floor rules still ask when the command runs in a sandbox.
 * "outside-effects": rules whose effect leaves the sandbox (the workspace, git history and
 * remotes; databases, clusters and clouds when the sandbox has network); "all"; "off".
 */
export const FLOOR_IN_SANDBOX = ['outside-effects', 'all', 'off'] as const;
export type FloorInSandbox = typeof FLOOR_IN_SANDBOX[number];

/** Why `v` is not an approval mode, or null (case-insensitive, trimmed, aliases allowed). */
export function approvalModeProblem(v: string): string | null {
  const k = v.trim().toLowerCase();
  return (APPROVAL_MODES as readonly string[]).includes(k) || k in APPROVAL_MODE_ALIASES ? null : `expected "always", "smart" (alias "on-miss") or "never" (alias "off"), got ${JSON.stringify(v)}`;
}

/** Parses `approval_mode` (case-insensitive, trimmed; aliases `on-miss`, `on_miss` → smart, `off` → never). Throws on anything else. */
export function parseApprovalMode(v: string): ApprovalMode {
  const problem = approvalModeProblem(v);
  if (problem !== null) throw new Error(`invalid approval_mode: ${problem}`);
  const k = v.trim().toLowerCase();
  return APPROVAL_MODE_ALIASES[k] ?? (k as ApprovalMode);
}

/** Parses a value of one of the lists above; the error names the key and the accepted values. */
export function parseChoice<T extends string>(key: string, allowed: readonly T[], v: string): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`invalid ${key} ${JSON.stringify(v)}: expected ${allowed.map((a) => `"${a}"`).join(', ')}`);
}
