/** Settings > Security: API keys (shown once), passkeys, password change, auth audit log. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type AuthStatus } from './api.js';
import { CopyButton, ErrorLine } from './util.js';
import { PasskeySettings } from './settings-passkeys.js';

const SCOPES = [
  ['operator.read', 'Read: sessions, history, status'],
  ['operator.write', 'Write: chat, sessions, identity'],
  ['operator.approvals', 'Approvals: approve or deny commands'],
  ['operator.pairing', 'Pairing: device pairing'],
  ['operator.admin', 'Admin: everything, including credentials'],
] as const;

interface ApiKey { id: number; label: string; key_prefix: string; scopes: string[]; created_at: string; last_used_at: string | null }
interface AuditEntry { id: number; event_type: string; client_ip: string | null; detail: string | null; created_at: string }

function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<string[]>(['operator.read']);
  const [created, setCreated] = useState<{ key: string; label: string } | null>(null);
  const [error, setError] = useState('');
  const load = () => api<{ api_keys: ApiKey[] }>('/api/auth/api-keys').then((r) => setKeys(r.api_keys), (e) => setError(errorText(e)));
  useEffect(() => { void load(); }, []);
  const toggle = (s: string, on: boolean) => setScopes((l) => (on ? [...l, s] : l.filter((x) => x !== s)));
  const generate = async (e: Event) => {
    e.preventDefault(); setError('');
    try {
      const r = await api<{ key: string }>('/api/auth/api-keys', { body: { label: label.trim(), scopes } });
      setCreated({ key: r.key, label: label.trim() }); setLabel(''); await load();
    } catch (err) { setError(errorText(err)); }
  };
  const revoke = async (k: ApiKey) => {
    if (!confirm(`Revoke the key "${k.label}" (${k.key_prefix}…)? Programs using it stop working at once.`)) return;
    try { await api(`/api/auth/api-keys/${k.id}`, { method: 'DELETE' }); await load(); } catch (err) { setError(errorText(err)); }
  };
  return (
    <section class="panel" aria-labelledby="h-keys">
      <h2 id="h-keys">API keys</h2>
      <form onSubmit={(e) => void generate(e)}>
        <label>Label<input name="label" value={label} maxLength={100} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} required /></label>
        <fieldset><legend>Scopes</legend>
          {SCOPES.map(([s, desc]) => (
            <label class="check" key={s}><input type="checkbox" name={s} checked={scopes.includes(s)} onChange={(e) => toggle(s, (e.target as HTMLInputElement).checked)} /> <code>{s}</code> <span class="muted">{desc}</span></label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={scopes.length === 0}>Generate key</button>
      </form>
      {created && (
        <div class="once" data-testid="new-key">
          <p><strong>Key for “{created.label}”.</strong> Copy it now: it is shown only this once.</p>
          <code class="secret" data-secret>{created.key}</code>
          <div class="row"><CopyButton text={created.key} /><button type="button" onClick={() => setCreated(null)}>Done</button></div>
        </div>
      )}
      <ErrorLine text={error} />
      <table class="list" data-testid="key-list">
        <thead><tr><th>Label</th><th>Prefix</th><th>Scopes</th><th>Last used</th><th /></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.label}</td><td><code>{k.key_prefix}…</code></td><td class="small">{k.scopes.join(', ')}</td>
              <td class="small">{k.last_used_at ? new Date(k.last_used_at).toLocaleString() : 'never'}</td>
              <td><button type="button" class="danger small" onClick={() => void revoke(k)}>Revoke</button></td>
            </tr>
          ))}
          {keys.length === 0 && <tr><td colSpan={5} class="muted">No API keys.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Change the password, or set the first one for an owner who set up with a passkey only. Setting
 * the first password creates the vault, whose recovery key the server returns exactly once: it must
 * be shown here, or it is lost.
 */
function PasswordChange() {
  const [hasPassword, setHasPassword] = useState<boolean | null>(null);
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [msg, setMsg] = useState('');
  const [recovery, setRecovery] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [minLength, setMinLength] = useState(12);
  useEffect(() => { api<AuthStatus>('/api/auth/status').then((r) => { setHasPassword(r.has_password); if (r.password_min_length) setMinLength(r.password_min_length); }, (e) => setError(errorText(e))); }, []);
  const first = hasPassword === false;
  const submit = async (e: Event) => {
    e.preventDefault(); setError(''); setMsg('');
    try {
      const r = await api<{ ok: boolean; recovery_key?: string }>('/api/auth/password/change', { body: { ...(first ? {} : { current_password: cur }), new_password: next } });
      setCur(''); setNext(''); setHasPassword(true); setRecovery(r.recovery_key ?? null);
      setMsg(first ? 'Password set.' : 'Password changed. Other sessions were signed out.');
    } catch (err) { setError(errorText(err)); }
  };
  return (
    <section class="panel" aria-labelledby="h-pw">
      <h2 id="h-pw">Password</h2>
      {first && <p class="muted small">You signed up with a passkey. A password also creates the encrypted vault for your secrets.</p>}
      <form onSubmit={(e) => void submit(e)}>
        {!first && <label>Current password<input type="password" autocomplete="current-password" value={cur} onInput={(e) => setCur((e.target as HTMLInputElement).value)} required /></label>}
        <label>New password<input type="password" autocomplete="new-password" minLength={minLength} aria-describedby="pw-rule-change" value={next} onInput={(e) => setNext((e.target as HTMLInputElement).value)} required /></label>
        <p id="pw-rule-change" class="muted small hint">At least {minLength} characters.</p>
        <button type="submit" disabled={hasPassword === null}>{first ? 'Set password' : 'Change password'}</button>
      </form>
      {msg && <p class="ok">{msg}</p>}
      {recovery && (
        <div class="once">
          <p><strong>Your vault recovery key.</strong> It is shown only this once: store it somewhere safe (a password manager).</p>
          <code class="secret" data-secret data-testid="recovery-key">{recovery}</code>
          <div class="row"><CopyButton text={recovery} /><button type="button" onClick={() => setRecovery(null)}>Done</button></div>
        </div>
      )}
      <ErrorLine text={error} />
    </section>
  );
}

function AuditLog() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [type, setType] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    const q = new URLSearchParams({ limit: '100', ...(type ? { type } : {}) });
    api<{ entries: AuditEntry[] }>(`/api/auth/audit?${q}`).then((r) => { setEntries(r.entries); setError(''); }, (e) => setError(errorText(e)));
  }, [type]);
  return (
    <section class="panel" aria-labelledby="h-audit">
      <h2 id="h-audit">Authentication log</h2>
      <label>Event type<input placeholder="e.g. login_failure" value={type} onChange={(e) => setType((e.target as HTMLInputElement).value.trim())} /></label>
      <ErrorLine text={error} />
      <div class="scroll"><table class="list">
        <thead><tr><th>Time</th><th>Event</th><th>Address</th><th>Detail</th></tr></thead>
        <tbody>{entries.map((e) => <tr key={e.id}><td class="small">{new Date(e.created_at).toLocaleString()}</td><td>{e.event_type}</td><td class="small">{e.client_ip ?? ''}</td><td class="small">{e.detail ?? ''}</td></tr>)}</tbody>
      </table></div>
    </section>
  );
}

export function SecuritySettings() {
  return <div class="stack"><ApiKeys /><PasskeySettings /><PasswordChange /><AuditLog /></div>;
}
