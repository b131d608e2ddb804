/** Login: password, or a passkey when one is registered. Shows throttle/ban errors with a countdown. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText, formatSeconds, type AuthStatus } from './api.js';
import { ErrorLine, loginWithPasskey } from './util.js';

export function Login({ status, onDone }: { status: AuthStatus; onDone: () => void | Promise<void> }) {
  const [pw, setPw] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    if (retryAt === null) return;
    const t = setInterval(() => { if (Date.now() >= retryAt) setRetryAt(null); tick((n) => n + 1); }, 1000);
    return () => clearInterval(t);
  }, [retryAt]);

  const fail = (err: unknown) => {
    setError(err instanceof ApiError && err.retryAfter !== null ? err.message : errorText(err));
    setRetryAt(err instanceof ApiError && err.retryAfter !== null ? Date.now() + err.retryAfter * 1000 : null);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError('');
    try { await api('/api/auth/login', { body: { password: pw } }); setPw(''); await onDone(); } catch (err) { fail(err); } finally { setBusy(false); }
  };
  const passkey = async () => {
    setBusy(true); setError('');
    try { await loginWithPasskey(); await onDone(); } catch (err) { fail(err); } finally { setBusy(false); }
  };
  const left = retryAt === null ? 0 : Math.max(0, (retryAt - Date.now()) / 1000);

  return (
    <main class="card narrow" data-screen="login">
      <h1>Sign in to Moltis</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label>Password<input type="password" name="password" autocomplete="current-password" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} required /></label>
        <ErrorLine text={error} />
        {retryAt !== null && <p class="error" data-testid="retry">Try again in {formatSeconds(left)}.</p>}
        <div class="row">
          <button type="submit" class="primary" disabled={busy || retryAt !== null}>Sign in</button>
          {status.has_passkeys && <button type="button" disabled={busy} onClick={() => void passkey()}>Sign in with a passkey</button>}
        </div>
      </form>
    </main>
  );
}
