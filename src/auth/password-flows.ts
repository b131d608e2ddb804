import type { RequestContext } from './identity.js';
import { hashPassword, verifyPassword } from '../crypto/index.js';
import type { AuthRepo } from '../store/index.js';
import { AuthError } from './errors.js';
import type { Sessions } from './sessions.js';
import type { SetupCodes } from './setup-code.js';
import { isBadCredential, type VaultPort } from './vault-port.js';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;

interface Ctx { clientIp: string; isLocal: boolean }
/** What the revocation event says (see `RevokedEvent` in service.ts). */
interface Revocation { sessionIds?: number[]; loopback?: boolean; passwordConnects?: boolean; reason: string }

/** A new password, checked for presence and length (in characters, not UTF-8 bytes). */
export function checkNewPassword(pw: unknown, what: string): string {
  if (typeof pw !== 'string' || pw.length === 0) throw new AuthError('PASSWORD_REQUIRED', `${what} is required`);
  const n = [...pw].length; // characters, not UTF-8 bytes
  if (n < PASSWORD_MIN) throw new AuthError('PASSWORD_TOO_SHORT', `${what} must be at least ${PASSWORD_MIN} characters (got ${n})`);
  if (n > PASSWORD_MAX) throw new AuthError('PASSWORD_TOO_LONG', `${what} must be at most ${PASSWORD_MAX} characters`);
  return pw;
}

/**
 * The owner password: first-time setup, login, and change. The vault's life cycle follows it.
 * Every guess goes through the login guard and the audit trail.
 */
export function createPasswordFlows(d: {
  repo: AuthRepo;
  sessions: Sessions;
  setupCodes: SetupCodes;
  vault: VaultPort | null;
  now: () => number;
  disabled: boolean;
  audit: (type: string, ip: string | null, detail?: string | null) => void;
  revoked: (r: Revocation) => void;
  assertNotBlocked: (ctx: RequestContext) => void;
  failure: (ctx: RequestContext, type: string, detail?: string | null) => void;
  recordSuccess: (ctx: RequestContext) => void;
  isSetupComplete: () => boolean;
  /** The setup gate shared with passkey setup (setup code for remote callers). */
  assertSetupCaller: (code: unknown, ctx: Ctx) => void;
}) {
  const { repo, sessions, setupCodes, vault, now } = d;

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

  /** Password check shared by `/api/auth/login` and the WS `connect` frame: same guard, same audit. */
  async function verifyOwnerPassword(password: unknown, ctx: Ctx, via: string): Promise<number> {
    d.assertNotBlocked(ctx);
    const ok = typeof password === 'string' && password.length <= PASSWORD_MAX * 4 && (await verifyPassword(repo.getPasswordHash(), password));
    if (!ok) {
      d.failure(ctx, 'login_failure', via);
      throw new AuthError('INVALID_PASSWORD', 'invalid password');
    }
    d.recordSuccess(ctx);
    d.audit('login_success', ctx.clientIp, via);
    return repo.getPasswordUpdatedAt() ?? 0;
  }

  return {
    verifyOwnerPassword,

    /** First-time setup. Remote callers must present the setup code; guesses feed the login guard. */
    async setup(body: { password?: unknown; setup_code?: unknown }, ctx: Ctx): Promise<{ token: string; maxAgeSeconds: number; recoveryKey: string | null; vaultStatus: string } | null> {
      if (d.disabled) throw new AuthError('AUTH_DISABLED', 'authentication is disabled in moltis.toml ([auth] disabled = true); set it to false and restart to require a password');
      if (d.isSetupComplete()) throw new AuthError('SETUP_ALREADY_COMPLETE', 'setup already completed');
      d.assertSetupCaller(body.setup_code, ctx);
      if (ctx.isLocal && (body.password === undefined || body.password === '')) return null; // stays Tier 2
      const pw = checkNewPassword(body.password, 'password');
      const hash = await hashPassword(pw);
      // Re-check after the await: two concurrent setups must not both win.
      if (d.isSetupComplete()) throw new AuthError('SETUP_ALREADY_COMPLETE', 'setup already completed');
      repo.setPasswordHash(hash, now());
      setupCodes.clear();
      d.recordSuccess(ctx);
      d.audit('setup_complete', ctx.clientIp, 'password');
      d.revoked({ loopback: true, reason: 'setup_complete' });
      const recoveryKey = await vaultAfterNewPassword(pw, null);
      const s = sessions.create(ctx.clientIp);
      return { token: s.token, maxAgeSeconds: s.maxAgeSeconds, recoveryKey, vaultStatus: vault?.status() ?? 'disabled' };
    },

    async login(password: unknown, ctx: Ctx): Promise<{ id: number; token: string; maxAgeSeconds: number }> {
      await verifyOwnerPassword(password, ctx, 'password');
      // Logging in unseals the vault; a vault whose password diverged stays sealed (recovery key).
      if (vault?.status() === 'sealed') await vault.unseal(password as string).catch((err: unknown) => { if (!isBadCredential(err)) throw err; });
      return sessions.create(ctx.clientIp);
    },

    /** Changes (or first sets) the password; every session ends, the caller gets a fresh one. */
    async changePassword(body: { current_password?: unknown; new_password?: unknown }, ctx: Ctx): Promise<{ token: string; maxAgeSeconds: number; recoveryKey: string | null }> {
      const pw = checkNewPassword(body.new_password, 'new password');
      const existing = repo.getPasswordHash();
      if (existing !== null) {
        d.assertNotBlocked(ctx);
        if (typeof body.current_password !== 'string' || !(await verifyPassword(existing, body.current_password))) {
          d.failure(ctx, 'password_change_failure');
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
      d.audit('password_changed', ctx.clientIp, `sessions revoked: ${ids.length}`);
      d.revoked({ sessionIds: ids, loopback: true, passwordConnects: true, reason: 'password_changed' });
      setupCodes.clear();
      const s = sessions.create(ctx.clientIp);
      return { token: s.token, maxAgeSeconds: s.maxAgeSeconds, recoveryKey };
    },
  };
}
