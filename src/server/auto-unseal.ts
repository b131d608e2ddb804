import { readFileSync } from 'node:fs';

/** The slice of the vault that unattended unseal needs. */
interface Unsealable { status(): string; unsealWithRecovery(key: string): Promise<void> }

/**
 * Unattended unseal at start from the recovery key in `MOLTIS_VAULT_AUTO_UNSEAL_KEY_FILE`
 * (a file readable only by the gateway's user). Failures are reported, never fatal: the gateway
 * then starts sealed and the owner unlocks by logging in.
 */
export async function autoUnseal(vault: Unsealable, env: Record<string, string | undefined>, print: (l: string) => void): Promise<void> {
  const file = env.MOLTIS_VAULT_AUTO_UNSEAL_KEY_FILE;
  if (!file) return;
  if (vault.status() !== 'sealed') {
    print(`vault auto-unseal: skipped (vault is ${vault.status()})`);
    return;
  }
  let key: string;
  try {
    key = readFileSync(file, 'utf8').trim();
  } catch (err) {
    print(`vault auto-unseal: cannot read ${file}: ${(err as Error).message}`);
    return;
  }
  try {
    await vault.unsealWithRecovery(key);
    print('vault auto-unseal: unsealed with the recovery key file');
  } catch (err) {
    print(`vault auto-unseal: failed (${(err as Error).message}); the vault stays sealed until you log in`);
  }
}
