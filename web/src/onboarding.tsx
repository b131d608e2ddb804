/** First-run setup: tier, setup code (remote), password or passkey, then the recovery key once. */
import { useState } from 'preact/hooks';
import { api, errorText, type AuthStatus } from './api.js';
import { CopyButton, ErrorLine, defaultPasskeyName, registerPasskey } from './util.js';

export function Onboarding({ status, onDone }: { status: AuthStatus; onDone: () => void | Promise<void> }) {
  const remote = status.setup_code_required;
  const [code, setCode] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [recovery, setRecovery] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  // How setup finished: a passkey-only owner has no password yet, hence no vault and no recovery key.
  const [finished, setFinished] = useState<'password' | 'passkey' | null>(null);
  const [passkeyMsg, setPasskeyMsg] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    if (pw !== pw2) { setError('The passwords do not match.'); return; }
    setBusy(true); setError('');
    try {
      const r = await api<{ ok: boolean; recovery_key?: string }>('/api/auth/setup', { body: { password: pw, ...(remote ? { setup_code: code.trim() } : {}) } });
      setRecovery(r.recovery_key ?? null);
      setFinished('password');
    } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };

  const passkeyInstead = async () => {
    setBusy(true); setError('');
    try {
      const r = await registerPasskey('/api/auth/setup/passkey/register', defaultPasskeyName(), remote ? { setup_code: code.trim() } : {});
      setRecovery(typeof r?.recovery_key === 'string' ? r.recovery_key : null);
      setFinished('passkey');
    } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };

  const addPasskey = async () => {
    setPasskeyMsg('');
    try { await registerPasskey('/api/auth/passkey/register', defaultPasskeyName()); setPasskeyMsg('Passkey registered.'); } catch (err) { setPasskeyMsg(errorText(err)); }
  };

  if (finished) {
    return (
      <main class="card narrow" data-screen="onboarding-done">
        <h1>Setup complete</h1>
        {recovery ? (
          <section class="recovery">
            <h2>Your vault recovery key</h2>
            <p>This key is shown <strong>only once</strong>. It unlocks your encrypted secrets if you forget your password. Store it somewhere safe (a password manager).</p>
            <code class="secret" data-secret data-testid="recovery-key">{recovery}</code>
            <div class="row"><CopyButton text={recovery} /></div>
            <label class="check"><input type="checkbox" checked={saved} onChange={(e) => setSaved((e.target as HTMLInputElement).checked)} /> I saved the recovery key</label>
          </section>
        ) : finished === 'passkey'
          ? <p data-testid="setup-done">Your passkey is registered. Set a password in Settings › Security to create the encrypted vault for your secrets.</p>
          : <p data-testid="setup-done">Your password is set.</p>}
        <div class="row">
          <button type="button" onClick={() => void addPasskey()}>Register a passkey</button>
          <button type="button" class="primary" disabled={recovery !== null && !saved} onClick={() => void onDone()}>Continue</button>
        </div>
        {passkeyMsg && <p class="muted">{passkeyMsg}</p>}
      </main>
    );
  }

  return (
    <main class="card narrow" data-screen="onboarding">
      <h1>Welcome to Moltis</h1>
      <p class="tier">Connection: <strong data-testid="tier">{remote ? 'remote' : 'local'}</strong>{' '}
        <span class="muted">{remote ? '— enter the setup code printed in the server console.' : '— you are on the machine running the gateway.'}</span></p>
      <form onSubmit={(e) => void submit(e)}>
        {remote && <label>Setup code<input name="setup_code" autocomplete="one-time-code" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} required /></label>}
        <label>Password<input type="password" name="password" autocomplete="new-password" minLength={12} value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} required /></label>
        <label>Confirm password<input type="password" name="password2" autocomplete="new-password" value={pw2} onInput={(e) => setPw2((e.target as HTMLInputElement).value)} required /></label>
        <ErrorLine text={error} />
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>Set password</button>
          <button type="button" disabled={busy} onClick={() => void passkeyInstead()}>Use a passkey instead</button>
        </div>
      </form>
    </main>
  );
}
