/**
 * THE authentication decision for every HTTP request and WebSocket upgrade (`checkAuth`), as a
 * pure function over what the request presented and what the gateway knows.
 *
 * Threat: a credential that does not bind. A script carrying a read-only key must get exactly
 * that key's powers wherever it runs — also from loopback before a password exists (Tier 2),
 * where the original (and our first release) handed out full access and ignored the key. And a
 * wrong, revoked or expired credential must be refused, never downgraded to "no credential",
 * or every bad key on loopback would be an admin.
 */
import { NO_SCOPES_MESSAGE, ownerIdentity, type AuthResult } from './identity.js';
import { readSessionCookie } from './cookie.js';
import type { Scope } from '../policy/index.js';

/** What a request presented. `bearer` is the token after `Bearer `; other schemes are not ours. */
export interface PresentedCredentials { sessionToken: string | null; bearer: string | null }

type HeaderValue = string | string[] | undefined;

/** Reads the credentials a request presents (session cookie, `Authorization: Bearer …`). */
export function presentedCredentials(headers: { cookie?: HeaderValue; authorization?: HeaderValue }): PresentedCredentials {
  const raw = Array.isArray(headers.authorization) ? headers.authorization[0] : headers.authorization;
  // `Basic …` from an authenticating proxy is not addressed to us; `Bearer` with anything is.
  const bearer = raw !== undefined && /^bearer(\s|$)/i.test(raw) ? raw.slice(6).trim() : null;
  return { sessionToken: readSessionCookie(headers.cookie), bearer };
}

/** Is anything presented at all? Then locality grants nothing: the credential decides. */
export const presentsCredential = (p: PresentedCredentials): boolean => p.sessionToken !== null || p.bearer !== null;

/** What the decision needs to know; verification is the caller's (store-backed) business. */
export interface AuthFacts {
  disabled: boolean;
  setupComplete: boolean;
  /** Live session id for a cookie token, or null. */
  verifySession: (token: string) => number | null;
  /** Live key for a presented API key, or null. */
  verifyApiKey: (key: string) => { id: number; scopes: readonly Scope[] } | null;
}

/**
 * Decides who a request is (first match wins):
 * 1. a presented `Bearer` key binds: its scopes, at every tier; unknown → `invalid_credential`;
 * 2. a presented session cookie binds: the owner's session; stale → `invalid_credential`;
 * 3. nothing presented: loopback gets full access while auth is disabled or no owner credential
 *    exists yet (Tier 2); remote callers can only complete setup (Tier 3); otherwise unauthorized.
 */
export function decideAuth(p: PresentedCredentials, isLocal: boolean, f: AuthFacts): AuthResult {
  if (p.bearer !== null) {
    const k = p.bearer === '' ? null : f.verifyApiKey(p.bearer);
    // Fail closed: a key we cannot verify is a refusal, not an absent key.
    if (!k) return { kind: 'invalid_credential', credential: 'api_key' };
    if (k.scopes.length === 0) return { kind: 'forbidden', message: NO_SCOPES_MESSAGE };
    return { kind: 'allowed', identity: { method: 'api_key', scopes: k.scopes, apiKeyId: k.id } };
  }
  if (p.sessionToken !== null) {
    const id = f.verifySession(p.sessionToken);
    // Fail closed: an expired or logged-out session is refused, never read as "no cookie".
    if (id === null) return { kind: 'invalid_credential', credential: 'session' };
    return { kind: 'allowed', identity: ownerIdentity('session', id) };
  }
  if (f.disabled || !f.setupComplete) return isLocal ? { kind: 'allowed', identity: ownerIdentity('loopback') } : { kind: 'setup_required' };
  return { kind: 'unauthorized' };
}
