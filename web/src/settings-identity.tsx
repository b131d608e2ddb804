/** Settings > Identity: the agent's identity files (identity.get); editing needs operator.write. */
import { useEffect, useState } from 'preact/hooks';
import { errorText, rpc } from './api.js';
import { ErrorLine } from './util.js';

interface Identity {
  identity: { name: string; emoji: string; creature: string; vibe: string }; identityBody: string;
  user: Record<string, string | undefined>; userBody: string; soul: string; tools: string; warnings: string[];
}

export function IdentitySettings() {
  const [data, setData] = useState<Identity | null>(null);
  const [canWrite, setCanWrite] = useState(false);
  const [editing, setEditing] = useState(false);
  const [soul, setSoul] = useState('');
  const [error, setError] = useState('');
  const [msg, setMsg] = useState('');
  const load = () => rpc<Identity>('identity.get').then((d) => { setData(d); setSoul(d.soul); }, (e) => setError(errorText(e)));
  useEffect(() => {
    void load();
    rpc<{ scopes: string[] }>('auth.whoami').then((w) => setCanWrite(w.scopes.includes('operator.write') || w.scopes.includes('operator.admin')), () => setCanWrite(false));
  }, []);
  const save = async () => {
    setError(''); setMsg('');
    try { await rpc('identity.update', { soul }); setEditing(false); setMsg('Saved.'); await load(); } catch (e) { setError(errorText(e)); }
  };
  if (!data) return <section class="panel"><ErrorLine text={error} />{!error && <p class="muted">Loading…</p>}</section>;
  const u = Object.entries(data.user).filter(([, v]) => v);
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="h-identity">
        <h2 id="h-identity">Agent</h2>
        <p class="big">{data.identity.emoji} <strong>{data.identity.name}</strong> <span class="muted">{data.identity.creature} · {data.identity.vibe}</span></p>
        {data.identityBody && <pre class="file">{data.identityBody}</pre>}
        {data.warnings.length > 0 && <ul class="warn">{data.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
      </section>
      <section class="panel" aria-labelledby="h-user">
        <h2 id="h-user">You (USER.md)</h2>
        {u.length ? <dl>{u.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}</dl> : <p class="muted">No profile fields.</p>}
      </section>
      <section class="panel" aria-labelledby="h-soul">
        <h2 id="h-soul">Soul (SOUL.md)</h2>
        {editing
          ? <textarea aria-label="SOUL.md" rows={10} value={soul} onInput={(e) => setSoul((e.target as HTMLTextAreaElement).value)} />
          : <pre class="file">{data.soul || '(empty)'}</pre>}
        <div class="row">
          {editing
            ? <><button type="button" class="primary" onClick={() => void save()}>Save</button><button type="button" onClick={() => { setEditing(false); setSoul(data.soul); }}>Cancel</button></>
            : <button type="button" disabled={!canWrite} title={canWrite ? '' : 'needs the operator.write scope'} onClick={() => setEditing(true)}>Edit</button>}
        </div>
        {msg && <p class="ok">{msg}</p>}
        <ErrorLine text={error} />
      </section>
      <section class="panel" aria-labelledby="h-tools">
        <h2 id="h-tools">Tools notes (TOOLS.md)</h2>
        <pre class="file">{data.tools || '(empty)'}</pre>
      </section>
    </div>
  );
}
