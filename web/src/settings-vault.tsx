/** Settings > Vault: status, unlock, and write-only environment variables. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, rpc } from './api.js';
import { ErrorLine } from './util.js';
import { VaultUnlock } from './vault-unlock.js';
import { useAvailable } from './connect-model.js';

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
  const [done, setDone] = useState('');
  const [available] = useAvailable();
  // A variable named like a provider's key (OPENAI_API_KEY…) is most likely meant for chat.
  const provider = available?.kinds.find((k) => k.keyEnv !== null && k.keyEnv === key.trim()) ?? null;
  const [alsoProvider, setAlsoProvider] = useState(true);
  const load = () => api<{ env_vars: EnvVar[] }>('/api/env').then((r) => setVars(r.env_vars), (e) => setError(errorText(e)));
  useEffect(() => {
    api<{ status: string }>('/api/auth/vault/status').then((r) => onVault(r.status), () => undefined);
    void load();
  }, []);
  const save = async (e: Event) => {
    e.preventDefault(); setError('');
    setDone('');
    try {
      await api('/api/env', { body: { key: key.trim(), value } });
      if (provider && alsoProvider) {
        await rpc('providers.save_key', { provider: provider.name, api_key: value });
        setDone(`Saved. It is also ${provider.label}'s key for chat now: choose a model in Settings › Models.`);
      }
      setKey(''); setValue(''); await load();
    } catch (err) { setError(errorText(err)); }
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
        <p>These variables are given to the <strong>commands the agent runs</strong> (for example <code>GITHUB_TOKEN</code> for <code>git</code>). They do not reach the chat model: model API keys belong in <a href="/settings/models">Settings › Models</a>.</p>
        <p class="muted small">Values are write-only: once saved they are never shown again, only replaced or deleted.</p>
        <form class="row wrap" onSubmit={(e) => void save(e)}>
          <input aria-label="Name" placeholder="NAME" pattern="[A-Za-z_][A-Za-z0-9_]*" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required />
          <input aria-label="Value" type="password" autocomplete="off" placeholder="value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} required />
          <button type="submit" class="primary" disabled={vault !== 'unsealed'}>Set</button>
          {provider && <label class="check" data-testid="use-as-provider-key"><input type="checkbox" checked={alsoProvider} onChange={(e) => setAlsoProvider((e.target as HTMLInputElement).checked)} /> {key.trim()} looks like {provider.label}'s API key: also use it as the key of the {provider.label} model provider</label>}
        </form>
        {done && <p class="ok" role="status">{done}</p>}
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
