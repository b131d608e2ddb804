import type { RequestContext } from './identity.js';
import { hashPassword, verifyPassword } from '../crypto/index.js';
import type { AuthRepo } from '../store/index.js';
import { AuthError } from './errors.js';
import type { Sessions } from './sessions.js';
import { isBadCredential, type VaultPort } from './vault-port.js';

interface Ctx { clientIp: string; isLocal: boolean }

/**
 * The `/api/auth/vault/*` operations (admin only; the gate checks that). Wrong passwords and
 * recovery keys count against the login guard like any other credential guess.
 */
export function createVaultFlows(d: {
  vault: VaultPort | null;
  repo: AuthRepo;
  sessions: Sessions;
  now: () => number;
  audit: (type: string, ip: string | null, detail?: string | null) => void;
  assertNotBlocked: (ctx: RequestContext) => void;
  failure: (ctx: RequestContext, type: string, detail?: string | null) => void;
  /** Deletes every session and closes the sockets of dead credentials. */
  endAllSessions: (reason: string) => void;
  checkNewPassword: (pw: unknown, what: string) => string;
}) {
  const vault = () => {
    if (!d.vault) throw new AuthError('VAULT_UNAVAILABLE', 'vault not available');
    return d.vault;
  };
  const needInitialized = (v: VaultPort) => {
    if (v.status() === 'uninitialized') throw new AuthError('VAULT_NOT_INITIALIZED', 'the vault is not initialized: POST /api/auth/vault/initialize {password} first');
  };
  return {
    status: () => ({ status: d.vault ? d.vault.status() : 'disabled' }),

    async unlock(password: unknown, ctx: Ctx) {
      const v = vault();
      needInitialized(v);
      d.assertNotBlocked(ctx);
      try {
        if (typeof password !== 'string' || password === '') throw Object.assign(new Error('empty'), { code: 'BAD_CREDENTIAL' });
        await v.unseal(password);
      } catch (err) {
        if (!isBadCredential(err)) throw err;
        d.failure(ctx, 'vault_unlock_failure', 'password');
        throw new AuthError('VAULT_LOCKED', 'invalid password');
      }
      d.audit('vault_unlocked', ctx.clientIp, 'password');
      return { ok: true, status: v.status() };
    },

    /**
     * Unseals with the recovery key; with `new_password`, also makes that the login password and
     * wraps the vault under it (the forgotten-password path). All sessions end; the caller gets a new one.
     */
    async recovery(body: { recovery_key?: unknown; new_password?: unknown }, ctx: Ctx): Promise<{ status: string; session: { token: string; maxAgeSeconds: number } | null }> {
      const v = vault();
      needInitialized(v);
      const newPw = body.new_password === undefined ? null : d.checkNewPassword(body.new_password, 'new password');
      d.assertNotBlocked(ctx);
      if (typeof body.recovery_key !== 'string' || body.recovery_key.trim() === '') throw new AuthError('INVALID_RECOVERY_KEY', 'recovery_key is required (the XXXX-XXXX-… key shown once when the vault was created)');
      try {
        await v.unsealWithRecovery(body.recovery_key);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'INVALID_RECOVERY_KEY') throw new AuthError('INVALID_RECOVERY_KEY', (err as Error).message);
        if (!isBadCredential(err)) throw err;
        d.failure(ctx, 'vault_recovery_failure');
        throw new AuthError('VAULT_LOCKED', 'invalid recovery key');
      }
      d.audit('vault_recovered', ctx.clientIp);
      if (newPw === null) return { status: v.status(), session: null };
      await v.rewrap(newPw);
      d.repo.setPasswordHash(await hashPassword(newPw), Math.max(d.now(), (d.repo.getPasswordUpdatedAt() ?? 0) + 1));
      d.endAllSessions('password_changed');
      d.audit('password_changed', ctx.clientIp, 'via recovery key');
      const s = d.sessions.create(ctx.clientIp);
      return { status: v.status(), session: { token: s.token, maxAgeSeconds: s.maxAgeSeconds } };
    },

    /** Creates the vault for a gateway whose password predates it; the password must be the login password. */
    async initialize(password: unknown, ctx: Ctx) {
      const v = vault();
      if (v.status() !== 'uninitialized') throw new AuthError('VAULT_ALREADY_INITIALIZED', 'vault is already initialized');
      d.assertNotBlocked(ctx);
      const hash = d.repo.getPasswordHash();
      if (typeof password !== 'string' || hash === null || !(await verifyPassword(hash, password))) {
        d.failure(ctx, 'vault_initialize_failure');
        throw new AuthError('CURRENT_PASSWORD_INCORRECT', 'current password is incorrect');
      }
      const { recoveryKey } = await v.initialize(password);
      d.audit('vault_initialized', ctx.clientIp);
      return { ok: true, recovery_key: recoveryKey, status: v.status() };
    },
  };
}
