/** First-run setup: tier, setup code (remote), password or passkey, then the recovery key once. */
import { useState } from 'preact/hooks';
import { api, errorText, rpc, type AuthStatus } from './api.js';
import { CopyButton, ErrorLine, defaultPasskeyName, registerPasskey } from './util.js';
import { ConnectModel, useAvailable } from './connect-model.js';

/** The last, skippable step: connect a model so the first chat message has someone to answer it. */
function ConnectStep({ onDone }: { onDone: () => void | Promise<void> }) {
  const [available, error] = useAvailable();
  return (
    <main class="card medium" data-screen="onboarding-model">
      <h1>Connect a model</h1>
      <p>Moltis needs a language model to chat. Connect OpenAI, Anthropic, or a server on your own machine such as Ollama or LM Studio. You can change this later in Settings › Models.</p>
      <ErrorLine text={error} />
      {available ? <ConnectModel available={available} onSaved={() => void onDone()} /> : !error && <p class="muted">Looking for model servers on this machine…</p>}
      <div class="row"><button type="button" class="link" onClick={() => void onDone()}>Skip for now</button></div>
    </main>
  );
}

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
  const [connect, setConnect] = useState(false);
  const minLength = status.password_min_length ?? 12;
  // After setup: offer the model step only when no model is connected yet.
  const next = async () => {
    const m = await rpc<{ models: unknown[] }>('models.list').catch(() => ({ models: [1] }));
    if (m.models.length === 0) setConnect(true); else await onDone();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (pw !== pw2) { setError('The passwords do not match.'); return; }
    if ([...pw].length < minLength) { setError(`The password needs at least ${minLength} characters.`); return; }
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

  if (connect) return <ConnectStep onDone={onDone} />;
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
          <button type="button" class="primary" disabled={recovery !== null && !saved} onClick={() => void next()}>Continue</button>
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
        <label>Password<input type="password" name="password" autocomplete="new-password" minLength={minLength} aria-describedby="pw-rule" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} required /></label>
        <p id="pw-rule" class="muted small hint" data-testid="password-rule">At least {minLength} characters. A passphrase of a few words is easy to type and hard to guess.</p>
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
