/**
 * Settings > Models: the connected providers (those from moltis.toml are read-only), the default
 * model, and "Connect a model". Changes take effect on the next message, without a restart.
 */
import { useEffect, useState } from 'preact/hooks';
import { errorText, rpc } from './api.js';
import { ErrorLine } from './util.js';
import { ConnectModel, useAvailable } from './connect-model.js';

interface Provider { name: string; kind: string; source: 'config' | 'runtime'; readOnly: boolean; enabled: boolean; baseUrl: string | null; models: string[]; hasKey: boolean; keySource: 'vault' | 'env' | null; keyEnv: string }
interface ModelList { models: Array<{ id: string; default: boolean }>; defaultModel: string | null; hint?: string }

export function ModelsSettings({ vault }: { vault: string }) {
  const [providers, setProviders] = useState<Provider[]>([]);
  const [models, setModels] = useState<ModelList | null>(null);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  const [available, availableError] = useAvailable();
  const load = async () => {
    try {
      setProviders((await rpc<{ providers: Provider[] }>('providers.list')).providers);
      setModels(await rpc<ModelList>('models.list'));
    } catch (e) { setError(errorText(e)); }
  };
  useEffect(() => { void load(); }, []);

  const choose = async (id: string) => {
    setError('');
    try { await rpc('providers.save_model', { model: id }); await load(); } catch (e) { setError(errorText(e)); }
  };
  const remove = async (p: Provider) => {
    const what = p.readOnly ? `the stored API key of ${p.name} (the provider stays: it is defined in moltis.toml)` : `${p.name} and its API key`;
    if (!confirm(`Remove ${what}?`)) return;
    setError('');
    try { await rpc('providers.remove_key', { provider: p.name }); await load(); } catch (e) { setError(errorText(e)); }
  };
  const key = (p: Provider) => p.keySource === 'vault' ? 'in the vault' : p.keySource === 'env' ? `from ${p.keyEnv}` : p.kind === 'openai-compatible' ? 'none (not needed for most local servers)' : 'missing';

  return (
    <div class="stack">
      <section class="panel" aria-labelledby="h-models">
        <h2 id="h-models">Models</h2>
        {models?.hint && <p class="muted" data-testid="no-model">{models.hint}</p>}
        {models && models.models.length > 0 && (
          <label>Default model (new chats use it)
            <select name="default-model" value={models.defaultModel ?? ''} onChange={(e) => void choose((e.target as HTMLSelectElement).value)}>
              {models.models.map((m) => <option key={m.id} value={m.id}>{m.id}</option>)}
            </select>
          </label>
        )}
        <div class="scroll">
          <table class="list">
            <thead><tr><th>Provider</th><th>Models</th><th>Key</th><th>Base URL</th><th /></tr></thead>
            <tbody>
              {providers.map((p) => (
                <tr key={p.name} data-testid={`provider-${p.name}`}>
                  <td><strong>{p.name}</strong>{p.readOnly && <span class="badge" title="Defined in moltis.toml: edit the file to change it">moltis.toml</span>}{!p.enabled && <span class="muted small"> (disabled)</span>}</td>
                  <td class="small">{p.models.join(', ') || '—'}</td>
                  <td class="small">{key(p)}</td>
                  <td class="small"><code>{p.baseUrl ?? 'default'}</code></td>
                  <td>{(!p.readOnly || p.keySource === 'vault') && <button type="button" class="danger small" onClick={() => void remove(p)}>{p.readOnly ? 'Remove key' : 'Remove'}</button>}</td>
                </tr>
              ))}
              {providers.length === 0 && <tr><td colSpan={5} class="muted">No provider yet.</td></tr>}
            </tbody>
          </table>
        </div>
        <ErrorLine text={error} />
      </section>
      <section class="panel" aria-labelledby="h-connect">
        <h2 id="h-connect">Connect a model</h2>
        {vault === 'sealed' && <p class="muted small">The vault is sealed: unlock it to save an API key (local servers without a key still work).</p>}
        {saved && <p class="ok" role="status" data-testid="model-saved">Saved. {saved} answers your next message.</p>}
        <ErrorLine text={availableError} />
        {available && <ConnectModel available={available} onSaved={(m) => { setSaved(m); void load(); }} />}
      </section>
    </div>
  );
}
