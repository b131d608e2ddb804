/**
 * What auth needs from the vault (implemented by `src/vault`). Auth drives the vault's life
 * cycle: the first password initializes it, login unseals it, a password change re-wraps it,
 * and a reset seals it.
 */
export type VaultState = 'uninitialized' | 'sealed' | 'unsealed';

export interface VaultPort {
  status(): VaultState;
  initialize(password: string): Promise<{ recoveryKey: string }>;
  unseal(password: string): Promise<void>;
  unsealWithRecovery(recoveryKey: string): Promise<void>;
  rewrap(newPassword: string): Promise<void>;
  seal(): void;
}

/** Does this error from the vault mean "wrong password / recovery key"? */
export function isBadCredential(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'BAD_CREDENTIAL';
}
