/**
 * Auth capability surface: `createAuth` (checkAuth, setup, login, sessions, API keys, audit),
 * the login guard, cookies and identities.
 */
export { createAuth, PASSWORD_MIN, PASSWORD_MAX, type Auth, type AuthOptions, type RequestContext } from './service.js';
export { isRevokedBy, type RevokedEvent } from './revocation.js';
export { AuthError, AUTH_ERRORS, type AuthErrorCode } from './errors.js';
export { ALL_SCOPES, ownerIdentity, NO_SCOPES_MESSAGE, type Identity, type AuthResult, type AuthMethod } from './identity.js';
export { SESSION_COOKIE, sessionCookie, clearSessionCookie, readSessionCookie } from './cookie.js';
export { createLoginGuard } from './login-guard.js';
export { SETUP_CODE_ALPHABET, SETUP_CODE_LENGTH } from './setup-code.js';
export { parseScopes, validateKeyRequest, type ApiKeyInfo } from './api-keys.js';
export { rpConfigFromEnv, resolveRelyingParty, type RpConfig, type RelyingParty } from './webauthn-rp.js';
export type { Passkeys, PasskeyInfo, PasskeyRequest } from './passkeys.js';
