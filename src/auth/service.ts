import type { EventBus } from '../events/index.js';
import type { Store } from '../store/index.js';
import { createApiKeys } from './api-keys.js';
import { AuthError } from './errors.js';
import { type AuthResult, type Identity, type RequestContext } from './identity.js';

export type { RequestContext } from './identity.js';
import type { createLoginGuard } from './login-guard.js';
import { createSessions } from './sessions.js';
import { createSetupCodes } from './setup-code.js';
import { readSessionCookie } from './cookie.js';
import { decideAuth, presentedCredentials } from './check.js';
import { isLoopbackHost } from '../net/index.js';
import type { VaultPort } from './vault-port.js';
import { createVaultFlows } from './vault-flows.js';
import { createPasskeys } from './passkeys.js';
import { checkNewPassword, createPasswordFlows, PASSWORD_MIN } from './password-flows.js';
import type { RpConfig } from './webauthn-rp.js';

export { PASSWORD_MIN, PASSWORD_MAX } from './password-flows.js';
import type { RevokedEvent } from './revocation.js';


/** Options of the auth service. */
export interface AuthOptions {
  store: Store;
  bus: EventBus;
  guard: ReturnType<typeof createLoginGuard>;
  now: () => number;
  disabled: boolean;
  sessionTtlMs: number;
  sessionIdleMs: number;
  maxSessions: number;
  setupCodeTtlMs: number;
  /** Called whenever a setup code is issued, so it reaches the operator's console. */
  onSetupCode: (code: string, expiresAt: number) => void;
  fixedSetupCode?: string;
  /** The vault whose life cycle follows the password (null: no vault, secrets cannot be stored). */
  vault?: VaultPort | null;
  /** Fixed WebAuthn RP (MOLTIS_WEBAUTHN_RP_ID / _ORIGIN); empty: derived from each request's Host. */
  webauthn?: RpConfig;
}

/**
 * The auth capability: the single `checkAuth` decision, the setup code, passwords, sessions,
 * API keys, the login guard and the audit trail. Every state change is audited and published.
 */
export function createAuth(o: AuthOptions) {
  const { store, bus, guard, now } = o;
  const repo = store.auth;
  const sessions = createSessions({ repo, now, ttlMs: o.sessionTtlMs, idleMs: o.sessionIdleMs, max: o.maxSessions });
  const apiKeys = createApiKeys({ repo, now });
  const setupCodes = createSetupCodes({ ttlMs: o.setupCodeTtlMs, now, onIssued: o.onSetupCode, fixedCode: o.fixedSetupCode });

  const audit = (type: string, clientIp: string | null, detail: string | null = null, actor: string | null = null) => {
    // Published as `auth.audit` by the log's append path (wired in server/), not here.
    store.audit.append({ type, actor, clientIp, detail, now: now() });
  };
  /** Tells the WebSocket layer to close connections whose credentials just died. */
  const revoked = (r: RevokedEvent) => bus.publish('auth.revoked', r);
  const setupComplete = () => repo.getPasswordHash() !== null || store.passkeys.exists();

  // Fail closed: whenever setup is incomplete there is a code, so setup is never open to strangers.
  const vault = o.vault ?? null;
  const ensureSetupCode = () => {
    if (o.disabled || setupComplete()) return;
    if (!setupCodes.pending()) setupCodes.issue();
    // Credentials were removed (reset, possibly by another process): whoever sets the next password
    // must not inherit an unsealed vault.
    if (vault?.status() === 'unsealed') vault.seal();
  };
  ensureSetupCode();

  const blockedError = (retryAfterSeconds: number) =>
    new AuthError('LOGIN_BLOCKED', 'too many failed attempts from this address — try again later', { retry_after_seconds: retryAfterSeconds });
  // Guesses that count as remote never ban requests that count as local (and the reverse): a
  // stranger spoofing forwarding headers from loopback must not lock the owner out.
  const guardKey = (ctx: RequestContext) => `${ctx.isLocal ? 'local' : 'remote'} ${ctx.clientIp}`;
  const assertNotBlocked = (ctx: RequestContext) => {
    const c = guard.check(guardKey(ctx));
    if (!c.allowed) throw blockedError(c.retryAfterSeconds);
  };
  const failure = (ctx: RequestContext, type: string, detail: string | null = null) => {
    audit(type, ctx.clientIp, detail);
    const r = guard.recordFailure(guardKey(ctx));
    if (r.banned) audit('ip_banned', ctx.clientIp, `ban ${Math.round((r.banMs ?? 0) / 1000)}s after repeated failures (ban #${r.bans})`);
  };

  /** The setup gate shared by password and passkey setup: remote callers need the setup code; guesses feed the guard. */
  const assertSetupCaller = (code: unknown, ctx: RequestContext) => {
    assertNotBlocked(ctx);
    if (ctx.isLocal) return;
    const c = setupCodes.verify(code);
    if (c === 'expired') {
      audit('setup_code_expired', ctx.clientIp);
      throw new AuthError('SETUP_CODE_EXPIRED', 'setup code has expired — a new one has been printed in the server console');
    }
    if (c !== 'ok') {
      failure(ctx, 'setup_code_failure', c);
      throw new AuthError('SETUP_CODE_INVALID', 'invalid or missing setup code — it is printed in the server console at start-up');
    }
  };

  const passkeys = createPasskeys({
    repo: store.passkeys, now, rp: o.webauthn ?? {}, audit, assertNotBlocked, failure,
    recordSuccess: (ctx) => guard.recordSuccess(guardKey(ctx)),
    isSetupComplete: setupComplete,
    hasPassword: () => repo.getPasswordHash() !== null,
    assertSetupAllowed: (code, ctx) => {
      if (o.disabled) throw new AuthError('AUTH_DISABLED', 'authentication is disabled in moltis.toml ([auth] disabled = true); set it to false and restart to require a passkey');
      if (setupComplete()) throw new AuthError('SETUP_ALREADY_COMPLETE', 'setup already completed');
      assertSetupCaller(code, ctx);
    },
    completeSetup: (ctx) => {
      setupCodes.clear();
      audit('setup_complete', ctx.clientIp, 'passkey');
      revoked({ loopback: true, reason: 'setup_complete' });
    },
    createSession: (ip) => sessions.create(ip),
    // Like a reset: nobody who set up the gateway next should inherit live sessions or keys.
    onNoCredentialsLeft: (ctx) => {
      sessions.revokeAll();
      repo.revokeAllApiKeys(now());
      audit('last_credential_removed', ctx.clientIp);
      revoked({ all: true, reason: 'last_credential_removed' });
      setupCodes.clear();
      ensureSetupCode(); // a fresh code, printed to the console; also seals the vault
    },
    vaultStatus: () => vault?.status() ?? 'disabled',
  });

  const passwords = createPasswordFlows({
    repo, sessions, setupCodes, vault, now, disabled: o.disabled, audit, revoked, assertNotBlocked, failure,
    recordSuccess: (ctx) => guard.recordSuccess(guardKey(ctx)), isSetupComplete: setupComplete, assertSetupCaller,
  });

  const service = {
    sessions, apiKeys, setupCodes, passkeys,
    isSetupComplete: setupComplete,
    isDisabled: () => o.disabled,
    hasPassword: () => repo.getPasswordHash() !== null,

    /** THE decision for every HTTP request and WebSocket upgrade: {@link decideAuth} over this gateway's state. */
    checkAuth(headers: { cookie?: string | string[]; authorization?: string | string[] }, isLocal: boolean): AuthResult {
      const setup = setupComplete();
      if (!setup) ensureSetupCode();
      return decideAuth(presentedCredentials(headers), isLocal, {
        disabled: o.disabled, setupComplete: setup,
        verifySession: (t) => sessions.verify(t),
        verifyApiKey: (k) => apiKeys.verify(k),
      });
    },

    /** Verifies an API key given in a WS `connect` frame. Scopeless keys are denied everywhere. */
    checkApiKey(key: string): AuthResult {
      return decideAuth({ bearer: key, sessionToken: null }, false, { disabled: o.disabled, setupComplete: true, verifySession: () => null, verifyApiKey: (k) => apiKeys.verify(k) });
    },

    /**
     * Counts a presented credential that failed (wrong key, stale cookie) against the login guard,
     * like a wrong password: key guessing costs a ban. Call {@link assertNotBlocked} first.
     */
    recordCredentialFailure(credential: 'api_key' | 'session' | 'token', ctx: RequestContext): void {
      failure(ctx, 'credential_rejected', credential);
    },
    /** Throws LOGIN_BLOCKED while this caller is banned for guessing. */
    assertNotBlocked,

    /** API key check for the WS `connect` frame: wrong keys count against the login guard like passwords. */
    checkApiKeyGuarded(key: string, ctx: RequestContext): AuthResult {
      assertNotBlocked(ctx);
      const r = service.checkApiKey(key);
      if (r.kind === 'invalid_credential') failure(ctx, 'ws_auth_failure', 'api_key');
      return r;
    },

    /** Is an identity's credential still live? Open WebSockets re-check before every request. */
    isIdentityLive(id: Identity, isLocal: boolean): boolean {
      if (id.apiKeyId !== undefined) return apiKeys.isLive(id.apiKeyId);
      if (id.sessionId !== undefined) return sessions.isLive(id.sessionId);
      if (id.passwordVersion !== undefined) return repo.getPasswordUpdatedAt() === id.passwordVersion;
      if (id.method === 'loopback') return isLocal && (o.disabled || !setupComplete());
      return false; // fail closed: an identity of unknown origin is not live
    },

    /** `GET /api/auth/status`; `authenticated` reflects the caller's own cookie or key. */
    status(isLocal: boolean, bind: string, headers: { cookie?: string | string[]; authorization?: string | string[] } = {}) {
      const r = service.checkAuth(headers, isLocal);
      return {
        setup_required: r.kind === 'setup_required',
        setup_complete: setupComplete(),
        has_passkeys: passkeys.has(),
        has_password: repo.getPasswordHash() !== null,
        password_min_length: PASSWORD_MIN,
        authenticated: r.kind === 'allowed',
        auth_disabled: o.disabled,
        setup_code_required: !isLocal && setupCodes.pending(),
        localhost_only: isLoopbackHost(bind),
        webauthn_available: true,
        // Empty: passkeys work on whatever host name the browser used (not an IP address).
        passkey_origins: o.webauthn?.rpId ? [o.webauthn.origin ?? `https://${o.webauthn.rpId}`] : [] as string[],
      };
    },

    setup: passwords.setup,
    verifyOwnerPassword: passwords.verifyOwnerPassword,
    login: passwords.login,
    changePassword: passwords.changePassword,

    logout(cookieHeader: string | string[] | undefined, ctx: RequestContext): void {
      const token = readSessionCookie(cookieHeader);
      const id = token ? sessions.verify(token) : null;
      if (id === null) return;
      sessions.revoke(id);
      audit('logout', ctx.clientIp, `session=${id}`);
      revoked({ sessionIds: [id], reason: 'logout' });
    },

    createApiKey(label: unknown, scopes: unknown, ctx: { clientIp: string | null }) {
      const r = apiKeys.create(label, scopes);
      audit('key_created', ctx.clientIp, `id=${r.id}, label=${r.info.label}, scopes=${r.info.scopes.join(',')}`);
      return r;
    },

    revokeApiKey(id: number, ctx: { clientIp: string | null }): boolean {
      const ok = apiKeys.revoke(id);
      if (ok) {
        audit('key_revoked', ctx.clientIp, `id=${id}`);
        revoked({ apiKeyIds: [id], reason: 'key_revoked' });
      }
      return ok;
    },

    /** Removes every credential; setup opens again behind a fresh setup code. */
    reset(ctx: { clientIp: string | null }): void {
      repo.deletePassword();
      store.passkeys.deleteAll();
      sessions.revokeAll();
      repo.revokeAllApiKeys(now());
      audit('auth_reset', ctx.clientIp);
      revoked({ all: true, reason: 'auth_reset' });
      setupCodes.clear();
      ensureSetupCode(); // also seals the vault
    },

    vaultFlows: createVaultFlows({
      vault, repo, sessions, now, audit, assertNotBlocked, failure, checkNewPassword,
      endAllSessions: (reason) => revoked({ sessionIds: sessions.revokeAll(), passwordConnects: true, loopback: true, reason }),
    }),
    vaultStatus: (): 'uninitialized' | 'sealed' | 'unsealed' => vault?.status() ?? 'uninitialized',
    audit,
    auditList: (q: { limit?: number; before?: number; type?: string }) =>
      store.audit.list({ limit: Math.min(Math.max(q.limit ?? 100, 1), 1000), before: q.before ?? null, type: q.type ?? null }),
  };
  return service;
}
export type Auth = ReturnType<typeof createAuth>;
