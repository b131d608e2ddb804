/** Entry point: loads the auth status, routes between screens, shows the vault banner. */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText, rpc, type AuthStatus } from './api.js';
import { Onboarding } from './onboarding.js';
import { Login } from './login.js';
import { Chat } from './chat.js';
import { Settings } from './settings.js';
import { Cron } from './cron.js';
import { VaultBanner } from './vault-banner.js';
import { AlertsBadge } from './alerts-badge.js';
import { Audit } from './audit.js';

/** Navigation shared by every screen. */
export type Navigate = (path: string) => void;

function App() {
  const [path, setPath] = useState(location.pathname);
  const [status, setStatus] = useState<AuthStatus | null>(null);
  const [error, setError] = useState('');
  const [vault, setVault] = useState<string>('unknown');
  // Admin-only screens (Audit) are offered to admins only; the gateway refuses their data to anyone else.
  const [admin, setAdmin] = useState<boolean | null>(null); // null: not known yet

  const navigate = useCallback<Navigate>((p) => {
    if (p !== location.pathname) history.pushState(null, '', p);
    setPath(p);
  }, []);
  const refresh = useCallback(async () => {
    try {
      const s = await api<AuthStatus>('/api/auth/status');
      // The status route answers for an anonymous caller (it ignores the cookie): whether this
      // browser is signed in is learned from an owner-only route, which also gives the vault state.
      let vaultState = 'unknown';
      if (s.setup_complete || s.authenticated) {
        try { vaultState = (await api<{ status: string }>('/api/auth/vault/status')).status; s.authenticated = true; } catch (e) {
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) s.authenticated = false;
          else throw e;
        }
      }
      setVault(vaultState);
      setStatus(s);
      setError('');
      return s;
    } catch (e) { setError(errorText(e)); return null; }
  }, []);

  useEffect(() => {
    const pop = () => setPath(location.pathname);
    addEventListener('popstate', pop);
    void refresh();
    return () => removeEventListener('popstate', pop);
  }, [refresh]);

  const signedIn = !!status?.authenticated;
  useEffect(() => {
    if (!signedIn) { setAdmin(null); return; }
    rpc<{ scopes: string[] }>('auth.whoami').then((w) => setAdmin(w.scopes.includes('operator.admin')), () => setAdmin(false));
  }, [signedIn]);

  if (error) return <main class="center"><p class="error">{error}</p><button onClick={() => void refresh()}>Retry</button></main>;
  if (!status) return <main class="center"><p class="muted">Loading…</p></main>;

  // Route guard: setup first, then a login, then the app. The server enforces all of this too.
  const needsSetup = !status.setup_complete && !status.auth_disabled;
  let screen = path;
  if (needsSetup && path !== '/onboarding') screen = '/onboarding';
  else if (!needsSetup && !status.authenticated) screen = '/login';
  else if (status.authenticated && !needsSetup && (path === '/' || path === '/login' || path === '/onboarding')) screen = '/chat';
  if (screen !== path) queueMicrotask(() => navigate(screen));

  const logout = async () => {
    await api('/api/auth/logout', { body: {} }).catch(() => undefined);
    await refresh();
    navigate('/login');
  };
  const loggedIn = status.authenticated && !needsSetup && screen !== '/login';

  return (
    <div class="app">
      {loggedIn && (
        <header class="topbar">
          <strong class="brand">Moltis</strong>
          <nav>
            <a href="/chat" class={screen.startsWith('/chat') ? 'active' : ''} onClick={(e) => { e.preventDefault(); navigate('/chat'); }}>Chat</a>
            <a href="/cron" class={screen.startsWith('/cron') ? 'active' : ''} onClick={(e) => { e.preventDefault(); navigate('/cron'); }}>Cron</a>
            {admin === true && <a href="/audit" class={screen.startsWith('/audit') ? 'active' : ''} onClick={(e) => { e.preventDefault(); navigate('/audit'); }}>Audit</a>}
            <a href="/settings/security" class={screen.startsWith('/settings') ? 'active' : ''} onClick={(e) => { e.preventDefault(); navigate('/settings/security'); }}>Settings</a>
            <AlertsBadge />
            {status.has_password && <button class="link" onClick={() => void logout()}>Log out</button>}
          </nav>
        </header>
      )}
      {loggedIn && vault === 'sealed' && <VaultBanner onUnlocked={() => { setVault('unsealed'); }} />}
      {screen === '/onboarding' && <Onboarding status={status} onDone={async () => { await refresh(); navigate('/chat'); }} />}
      {screen === '/login' && <Login status={status} onDone={async () => { await refresh(); navigate('/chat'); }} />}
      {loggedIn && screen.startsWith('/chat') && <Chat vault={vault} navigate={navigate} />}
      {loggedIn && screen.startsWith('/cron') && <Cron />}
      {loggedIn && screen.startsWith('/audit') && <Audit admin={admin} />}
      {loggedIn && screen.startsWith('/settings') && <Settings path={screen} navigate={navigate} vault={vault} onVault={setVault} />}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
