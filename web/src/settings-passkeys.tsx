/** Passkeys: list, rename, delete, add (WebAuthn via @simplewebauthn/browser). */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText } from './api.js';
import { ErrorLine, defaultPasskeyName, registerPasskey } from './util.js';

interface Passkey { id: number | string; name: string; created_at?: string; last_used_at?: string | null }

export function PasskeySettings() {
  const [keys, setKeys] = useState<Passkey[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [name, setName] = useState(defaultPasskeyName());
  const [error, setError] = useState('');
  const load = () => api<{ passkeys: Passkey[] }>('/api/auth/passkeys').then((r) => setKeys(r.passkeys ?? []), (e) => {
    if (e instanceof ApiError && e.status === 404) setUnavailable(true); else setError(errorText(e));
  });
  useEffect(() => { void load(); }, []);
  const add = async () => {
    setError('');
    try { await registerPasskey('/api/auth/passkey/register', name.trim() || defaultPasskeyName()); await load(); } catch (err) { setError(errorText(err)); }
  };
  const rename = async (k: Passkey) => {
    const n = prompt('New name for this passkey', k.name);
    if (!n || !n.trim()) return;
    try { await api(`/api/auth/passkeys/${k.id}`, { method: 'PATCH', body: { name: n.trim() } }); await load(); } catch (err) { setError(errorText(err)); }
  };
  const remove = async (k: Passkey) => {
    if (!confirm(`Delete the passkey "${k.name}"?`)) return;
    try { await api(`/api/auth/passkeys/${k.id}`, { method: 'DELETE' }); await load(); } catch (err) { setError(errorText(err)); }
  };
  return (
    <section class="panel" aria-labelledby="h-passkeys">
      <h2 id="h-passkeys">Passkeys</h2>
      {unavailable ? <p class="muted">Passkeys are not available on this gateway.</p> : (
        <>
          <ul class="plain" data-testid="passkey-list">
            {(keys ?? []).map((k) => (
              <li key={k.id} class="row between"><span>{k.name} <span class="muted small">{k.created_at ? new Date(k.created_at).toLocaleDateString() : ''}</span></span>
                <span class="row"><button type="button" class="small" onClick={() => void rename(k)}>Rename</button><button type="button" class="danger small" onClick={() => void remove(k)}>Delete</button></span></li>
            ))}
            {keys && keys.length === 0 && <li class="muted">No passkeys yet.</li>}
          </ul>
          <div class="row">
            <input aria-label="Passkey name" value={name} maxLength={100} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
            <button type="button" onClick={() => void add()}>Add a passkey</button>
          </div>
        </>
      )}
      <ErrorLine text={error} />
    </section>
  );
}
