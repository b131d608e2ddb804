/** Settings > Vault: status, unlock, and write-only environment variables. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api.js';
import { ErrorLine } from './util.js';
import { VaultUnlock } from './vault-unlock.js';

interface EnvVar { id: number; key: string; updated_at: string }

const EXPLAIN: Record<string, string> = {
  unsealed: 'Unlocked: secrets can be read by the gateway and written here.',
  sealed: 'Sealed: secrets are encrypted at rest and unavailable until you unlock.',
  uninitialized: 'Not initialized: set a password to create the vault.',
  disabled: 'The vault is disabled in moltis.toml.',
};

export function VaultSettings({ vault, onVault }: { vault: string; onVault: (s: string) => void }) {
  const [vars, setVars] = useState<EnvVar[]>([]);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const load = () => api<{ env_vars: EnvVar[] }>('/api/env').then((r) => setVars(r.env_vars), (e) => setError(errorText(e)));
  useEffect(() => {
    api<{ status: string }>('/api/auth/vault/status').then((r) => onVault(r.status), () => undefined);
    void load();
  }, []);
  const save = async (e: Event) => {
    e.preventDefault(); setError('');
    try { await api('/api/env', { body: { key: key.trim(), value } }); setKey(''); setValue(''); await load(); } catch (err) { setError(errorText(err)); }
  };
  const remove = async (v: EnvVar) => {
    if (!confirm(`Delete ${v.key}?`)) return;
    try { await api(`/api/env/${v.id}`, { method: 'DELETE' }); await load(); } catch (err) { setError(errorText(err)); }
  };
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="h-vault">
        <h2 id="h-vault">Vault</h2>
        <p>Status: <strong data-testid="vault-status">{vault}</strong> <span class="muted">{EXPLAIN[vault] ?? ''}</span></p>
        {vault === 'sealed' && <VaultUnlock onUnlocked={onVault} />}
      </section>
      <section class="panel" aria-labelledby="h-env">
        <h2 id="h-env">Environment variables</h2>
        <p class="muted small">Values are write-only: once saved they are never shown again, only replaced or deleted.</p>
        <form class="row wrap" onSubmit={(e) => void save(e)}>
          <input aria-label="Name" placeholder="NAME" pattern="[A-Za-z_][A-Za-z0-9_]*" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required />
          <input aria-label="Value" type="password" autocomplete="off" placeholder="value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} required />
          <button type="submit" class="primary" disabled={vault !== 'unsealed'}>Set</button>
        </form>
        <ErrorLine text={error} />
        <table class="list">
          <thead><tr><th>Name</th><th>Updated</th><th /></tr></thead>
          <tbody>
            {vars.map((v) => <tr key={v.id}><td><code>{v.key}</code></td><td class="small">{new Date(v.updated_at).toLocaleString()}</td><td><button type="button" class="danger small" onClick={() => void remove(v)}>Delete</button></td></tr>)}
            {vars.length === 0 && <tr><td colSpan={3} class="muted">No variables.</td></tr>}
          </tbody>
        </table>
      </section>
    </div>
  );
}
