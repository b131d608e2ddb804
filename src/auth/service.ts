import { hashPassword, verifyPassword } from '../crypto/index.js';
import type { EventBus } from '../events/index.js';
import type { Store } from '../store/index.js';
import { createApiKeys } from './api-keys.js';
import { AuthError } from './errors.js';
import { ownerIdentity, NO_SCOPES_MESSAGE, type AuthResult, type Identity } from './identity.js';
import type { createLoginGuard } from './login-guard.js';
import { createSessions } from './sessions.js';
import { createSetupCodes } from './setup-code.js';
import { readSessionCookie } from './cookie.js';
import { isBadCredential, type VaultPort } from './vault-port.js';
import { createVaultFlows } from './vault-flows.js';
import { createPasskeys } from './passkeys.js';
import type { RpConfig } from './webauthn-rp.js';

export const PASSWORD_MIN = 12;
/** Published on the bus as `auth.revoked`: which live credentials just died. */
export interface RevokedEvent { sessionIds?: number[]; apiKeyIds?: number[]; loopback?: boolean; passwordConnects?: boolean; all?: boolean; reason: string }
export const PASSWORD_MAX = 1024;

/** What the gate knows about a request. */
export interface RequestContext { clientIp: string; isLocal: boolean }

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

function checkNewPassword(pw: unknown, what: string): string {
  if (typeof pw !== 'string' || pw.length === 0) throw new AuthError('PASSWORD_REQUIRED', `${what} is required`);
  const n = [...pw].length; // characters, not UTF-8 bytes
  if (n < PASSWORD_MIN) throw new AuthError('PASSWORD_TOO_SHORT', `${what} must be at least ${PASSWORD_MIN} characters (got ${n})`);
  if (n > PASSWORD_MAX) throw new AuthError('PASSWORD_TOO_LONG', `${what} must be at most ${PASSWORD_MAX} characters`);
  return pw;
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

  const audit = (type: string, clientIp: string | null, detail: string | null = null) => {
    const row = store.audit.append({ type, clientIp, detail, now: now() });
    bus.publish('auth.audit', row);
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
  const assertNotBlocked = (ip: string) => {
    const c = guard.check(ip);
    if (!c.allowed) throw blockedError(c.retryAfterSeconds);
  };
  const failure = (ip: string, type: string, detail: string | null = null) => {
    audit(type, ip, detail);
    const r = guard.recordFailure(ip);
    if (r.banned) audit('ip_banned', ip, `ban ${Math.round((r.banMs ?? 0) / 1000)}s after repeated failures (ban #${r.bans})`);
  };

  /**
   * After a password is set: the first one initializes the vault (returns the recovery key, the
   * only time it exists); later ones re-wrap the data key; a sealed vault is tried with it.
   */
  async function vaultAfterNewPassword(pw: string, previous: string | null): Promise<string | null> {
    if (!vault) return null;
    const st = vault.status();
    if (st === 'uninitialized') return previous === null ? (await vault.initialize(pw)).recoveryKey : null;
    if (st === 'unsealed') { await vault.rewrap(pw); return null; }
    await vault.unseal(pw).catch((err: unknown) => { if (!isBadCredential(err)) throw err; });
    return null;
  }

  /** The setup gate shared by password and passkey setup: remote callers need the setup code; guesses feed the guard. */
  const assertSetupCaller = (code: unknown, ctx: RequestContext) => {
    assertNotBlocked(ctx.clientIp);
    if (ctx.isLocal) return;
    const c = setupCodes.verify(code);
    if (c === 'expired') {
      audit('setup_code_expired', ctx.clientIp);
      throw new AuthError('SETUP_CODE_EXPIRED', 'setup code has expired — a new one has been printed in the server console');
    }
    if (c !== 'ok') {
      failure(ctx.clientIp, 'setup_code_failure', c);
      throw new AuthError('SETUP_CODE_INVALID', 'invalid or missing setup code — it is printed in the server console at start-up');
    }
  };

  const passkeys = createPasskeys({
    repo: store.passkeys, now, rp: o.webauthn ?? {}, audit, assertNotBlocked, failure,
    recordSuccess: (ip) => guard.recordSuccess(ip),
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

  const service = {
    sessions, apiKeys, setupCodes, passkeys,
    isSetupComplete: setupComplete,
    isDisabled: () => o.disabled,

    /** THE decision for every HTTP request and WebSocket upgrade (first match wins). */
    checkAuth(headers: { cookie?: string | string[]; authorization?: string | string[] }, isLocal: boolean): AuthResult {
      if (o.disabled) return isLocal ? { kind: 'allowed', identity: ownerIdentity('loopback') } : { kind: 'setup_required' };
      if (!setupComplete()) {
        ensureSetupCode();
        return isLocal ? { kind: 'allowed', identity: ownerIdentity('loopback') } : { kind: 'setup_required' };
      }
      const token = readSessionCookie(headers.cookie);
      if (token) {
        const id = sessions.verify(token);
        if (id !== null) return { kind: 'allowed', identity: ownerIdentity('password', id) };
      }
      const auth = Array.isArray(headers.authorization) ? headers.authorization[0] : headers.authorization;
      if (auth && auth.startsWith('Bearer ')) return service.checkApiKey(auth.slice(7).trim());
      return { kind: 'unauthorized' };
    },

    /** Verifies a presented API key (Bearer header or WS `connect`). Scopeless keys are denied everywhere. */
    checkApiKey(key: string): AuthResult {
      const k = apiKeys.verify(key);
      if (!k) return { kind: 'unauthorized' };
      if (k.scopes.length === 0) return { kind: 'forbidden', message: NO_SCOPES_MESSAGE };
      return { kind: 'allowed', identity: { method: 'apikey', scopes: k.scopes, apiKeyId: k.id } };
    },

    /** API key check for the WS `connect` frame: wrong keys count against the login guard like passwords. */
    checkApiKeyGuarded(key: string, ctx: RequestContext): AuthResult {
      assertNotBlocked(ctx.clientIp);
      const r = service.checkApiKey(key);
      if (r.kind === 'unauthorized') failure(ctx.clientIp, 'ws_auth_failure', 'api_key');
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
        authenticated: r.kind === 'allowed',
        auth_disabled: o.disabled,
        setup_code_required: !isLocal && setupCodes.pending(),
        localhost_only: ['127.0.0.1', '::1', 'localhost'].includes(bind) || bind.endsWith('.localhost'),
        webauthn_available: true,
        // Empty: passkeys work on whatever host name the browser used (not an IP address).
        passkey_origins: o.webauthn?.rpId ? [o.webauthn.origin ?? `https://${o.webauthn.rpId}`] : [] as string[],
      };
    },

    /** First-time setup. Remote callers must present the setup code; guesses feed the login guard. */
    async setup(body: { password?: unknown; setup_code?: unknown }, ctx: RequestContext): Promise<{ token: string; maxAgeSeconds: number; recoveryKey: string | null; vaultStatus: string } | null> {
      if (o.disabled) throw new AuthError('AUTH_DISABLED', 'authentication is disabled in moltis.toml ([auth] disabled = true); set it to false and restart to require a password');
      if (setupComplete()) throw new AuthError('SETUP_ALREADY_COMPLETE', 'setup already completed');
      assertSetupCaller(body.setup_code, ctx);
      if (ctx.isLocal && (body.password === undefined || body.password === '')) return null; // stays Tier 2
      const pw = checkNewPassword(body.password, 'password');
      const hash = await hashPassword(pw);
      // Re-check after the await: two concurrent setups must not both win.
      if (setupComplete()) throw new AuthError('SETUP_ALREADY_COMPLETE', 'setup already completed');
      repo.setPasswordHash(hash, now());
      setupCodes.clear();
      guard.recordSuccess(ctx.clientIp);
      audit('setup_complete', ctx.clientIp, 'password');
      revoked({ loopback: true, reason: 'setup_complete' });
      const recoveryKey = await vaultAfterNewPassword(pw, null);
      const s = sessions.create(ctx.clientIp);
      return { token: s.token, maxAgeSeconds: s.maxAgeSeconds, recoveryKey, vaultStatus: vault?.status() ?? 'disabled' };
    },

    /** Password check shared by `/api/auth/login` and the WS `connect` frame: same guard, same audit. */
    async verifyOwnerPassword(password: unknown, ctx: RequestContext, via: string): Promise<number> {
      assertNotBlocked(ctx.clientIp);
      const ok = typeof password === 'string' && password.length <= PASSWORD_MAX * 4 && (await verifyPassword(repo.getPasswordHash(), password));
      if (!ok) {
        failure(ctx.clientIp, 'login_failure', via);
        throw new AuthError('INVALID_PASSWORD', 'invalid password');
      }
      guard.recordSuccess(ctx.clientIp);
      audit('login_success', ctx.clientIp, via);
      return repo.getPasswordUpdatedAt() ?? 0;
    },

    async login(password: unknown, ctx: RequestContext): Promise<{ id: number; token: string; maxAgeSeconds: number }> {
      await service.verifyOwnerPassword(password, ctx, 'password');
      // Logging in unseals the vault; a vault whose password diverged stays sealed (recovery key).
      if (vault?.status() === 'sealed') await vault.unseal(password as string).catch((err: unknown) => { if (!isBadCredential(err)) throw err; });
      return sessions.create(ctx.clientIp);
    },

    logout(cookieHeader: string | string[] | undefined, ctx: RequestContext): void {
      const token = readSessionCookie(cookieHeader);
      const id = token ? sessions.verify(token) : null;
      if (id === null) return;
      sessions.revoke(id);
      audit('logout', ctx.clientIp, `session=${id}`);
      revoked({ sessionIds: [id], reason: 'logout' });
    },

    /** Changes (or first sets) the password; every session ends, the caller gets a fresh one. */
    async changePassword(body: { current_password?: unknown; new_password?: unknown }, ctx: RequestContext): Promise<{ token: string; maxAgeSeconds: number; recoveryKey: string | null }> {
      const pw = checkNewPassword(body.new_password, 'new password');
      const existing = repo.getPasswordHash();
      if (existing !== null) {
        assertNotBlocked(ctx.clientIp);
        if (typeof body.current_password !== 'string' || !(await verifyPassword(existing, body.current_password))) {
          failure(ctx.clientIp, 'password_change_failure');
          throw new AuthError('CURRENT_PASSWORD_INCORRECT', 'current password is incorrect');
        }
      }
      if (existing !== null && vault?.status() === 'sealed') {
        await vault.unseal(body.current_password as string).catch((err: unknown) => {
          if (!isBadCredential(err)) throw err;
          throw new AuthError('VAULT_LOCKED', 'the vault password does not match the current password: unlock with the recovery key (POST /api/auth/vault/recovery) before changing the password');
        });
      }
      // Re-wrap before the new hash is stored, so a failure cannot leave login and vault out of step.
      const recoveryKey = await vaultAfterNewPassword(pw, existing);
      const newHash = await hashPassword(pw);
      // The version must move even within one millisecond: connect-frame identities compare it.
      repo.setPasswordHash(newHash, Math.max(now(), (repo.getPasswordUpdatedAt() ?? 0) + 1));
      const ids = sessions.revokeAll();
      audit('password_changed', ctx.clientIp, `sessions revoked: ${ids.length}`);
      revoked({ sessionIds: ids, loopback: true, passwordConnects: true, reason: 'password_changed' });
      setupCodes.clear();
      const s = sessions.create(ctx.clientIp);
      return { token: s.token, maxAgeSeconds: s.maxAgeSeconds, recoveryKey };
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
