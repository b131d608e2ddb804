/** The five operator scopes (the brief's roles) and the predicate that recognizes one. */
export const SCOPES = ['operator.admin', 'operator.read', 'operator.write', 'operator.approvals', 'operator.pairing'] as const;
export type Scope = (typeof SCOPES)[number];
export const ADMIN: Scope = 'operator.admin';

/** Is `s` one of the five scopes? */
export function isScope(s: unknown): s is Scope {
  return typeof s === 'string' && (SCOPES as readonly string[]).includes(s);
}
