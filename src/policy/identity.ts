import { SCOPES, type Scope } from './scopes.js';

/**
 * How a caller proved who they are, as `auth.whoami` reports it: a login session (cookie, from a
 * password or passkey login), an API key, a password given in a WS `connect` frame, or Tier-2
 * loopback access with no credential at all.
 */
export type AuthMethod = 'session' | 'api_key' | 'password' | 'loopback';

/**
 * Who is calling: the noun every authorization decision reads. Full identities (owner session,
 * Tier-2 loopback) carry every scope explicitly: an empty scope list always means "nothing",
 * never "everything" (the original's root flaw).
 */
export interface Identity {
  method: AuthMethod;
  scopes: readonly Scope[];
  sessionId?: number;
  apiKeyId?: number;
  /** For a password given in a WS `connect` frame: the password version it proved. */
  passwordVersion?: number;
}

export const ALL_SCOPES: readonly Scope[] = Object.freeze([...SCOPES]);

/** The identity of the owner (cookie session) or of a Tier-2 local caller. */
export function ownerIdentity(method: AuthMethod, sessionId?: number): Identity {
  return sessionId === undefined ? { method, scopes: ALL_SCOPES } : { method, scopes: ALL_SCOPES, sessionId };
}

/** Who made a call, as the audit log and per-credential limits name it (ids only, never a secret). */
export function actorOf(id: Identity): string {
  return id.apiKeyId !== undefined ? `key:${id.apiKeyId}` : id.sessionId !== undefined ? `session:${id.sessionId}` : id.method;
}
