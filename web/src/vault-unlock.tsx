/** Vault unlock form (password or recovery key), used by the banner and Settings > Vault. */
import { useState } from 'preact/hooks';
import { api, errorText } from './api.js';
import { ErrorLine } from './util.js';

export function VaultUnlock({ onUnlocked }: { onUnlocked: (status: string) => void }) {
  const [mode, setMode] = useState<'password' | 'recovery'>('password');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError('');
    try {
      const r = mode === 'password'
        ? await api<{ status: string }>('/api/auth/vault/unlock', { body: { password: value } })
        : await api<{ status: string }>('/api/auth/vault/recovery', { body: { recovery_key: value } });
      setValue('');
      onUnlocked(r.status);
    } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };
  return (
    <form class="unlock" onSubmit={(e) => void submit(e)}>
      <div class="row">
        <label class="check"><input type="radio" name="vault-mode" checked={mode === 'password'} onChange={() => setMode('password')} /> Password</label>
        <label class="check"><input type="radio" name="vault-mode" checked={mode === 'recovery'} onChange={() => setMode('recovery')} /> Recovery key</label>
      </div>
      <div class="row">
        <input type={mode === 'password' ? 'password' : 'text'} aria-label={mode === 'password' ? 'Vault password' : 'Recovery key'} autocomplete="off"
          placeholder={mode === 'password' ? 'Password' : 'XXXX-XXXX-…'} value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} required />
        <button type="submit" class="primary" disabled={busy}>Unlock</button>
      </div>
      <ErrorLine text={error} />
    </form>
  );
}
