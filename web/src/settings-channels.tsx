/**
 * Settings > Channels: chat accounts (secrets write-only, the start result as "test connection"),
 * their status and permission level; Pending Senders with approve (choosing a level) / deny;
 * approved senders with level change and revoke. Live: channel events refresh the lists.
 */
import { useEffect, useState } from 'preact/hooks';
import { errorText, rpc } from './api.js';
import { ErrorLine } from './util.js';
import { Gateway } from './ws.js';

interface Account { type: string; accountId: string; source: string; config: Record<string, unknown>; secrets: Record<string, boolean>; state: string; botName: string | null }
interface Sender { type: string; accountId: string; senderId: string; kind: string; username: string | null; displayName: string; status: string; level: string | null; messageCount: number; lastSeenAt: number; preview: string; otp?: { code: string; expiresAt: number } }

const LEVELS = ['read-only', 'execute', 'admin'];
const LEVEL_HELP: Record<string, string> = {
  'read-only': 'answers only, no tool that acts',
  execute: 'may run commands, each approved by you',
  admin: 'full access: meant for your own id',
};
const CHANNEL_EVENTS = ['channel.sender.pending', 'channel.sender.approved', 'channel.sender.denied', 'channel.sender.revoked', 'channel.sender.dropped', 'channel.sender.otp', 'channel.account.status'];
const SECRETS: Record<string, (mode: string) => Array<[string, string]>> = {
  telegram: () => [['token', 'Bot token (from @BotFather)']],
  slack: (mode) => mode === 'events_api' ? [['bot_token', 'Bot token (xoxb-…)'], ['signing_secret', 'Signing secret']] : [['bot_token', 'Bot token (xoxb-…)'], ['app_token', 'App token (xapp-…)']],
};
const val = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
const who = (s: Sender) => `${s.displayName}${s.username ? ` (@${s.username})` : ''}`;

function LevelSelect({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(val(e))}>
      {LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
    </select>
  );
}

function AddAccount({ onAdded }: { onAdded: () => void }) {
  const [type, setType] = useState('telegram');
  const [id, setId] = useState('');
  const [mode, setMode] = useState('socket_mode');
  const [permission, setPermission] = useState('read-only');
  const [apiUrl, setApiUrl] = useState('');
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [result, setResult] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault(); setError(''); setResult('');
    const config: Record<string, unknown> = { permission, ...secrets, ...(apiUrl.trim() ? { api_base_url: apiUrl.trim() } : {}), ...(type === 'slack' ? { connection_mode: mode } : {}) };
    try {
      const r = await rpc<{ account: Account }>('channels.add', { type, accountId: id.trim(), config });
      setResult(r.account.state);
      // Secrets are never kept in the page once sent.
      setSecrets({}); setId('');
      onAdded();
    } catch (err) { setError(errorText(err)); }
  };
  return (
    <form class="stack" onSubmit={(e) => void submit(e)} aria-label="Add a channel account">
      <div class="row wrap">
        <select aria-label="Channel type" value={type} onChange={(e) => { setType(val(e)); setSecrets({}); }}>
          <option value="telegram">Telegram</option><option value="slack">Slack</option>
        </select>
        <input aria-label="Account id" placeholder="account id, e.g. my_bot" pattern="[A-Za-z0-9_-]{1,64}" value={id} onInput={(e) => setId(val(e))} required />
        {type === 'slack' && (
          <select aria-label="Connection mode" value={mode} onChange={(e) => { setMode(val(e)); setSecrets({}); }}>
            <option value="socket_mode">Socket Mode</option><option value="events_api">Events API</option>
          </select>
        )}
        <LevelSelect label="Account permission" value={permission} onChange={setPermission} />
      </div>
      {SECRETS[type]!(mode).map(([field, label]) => (
        <input key={field} aria-label={label} placeholder={label} type="password" autocomplete="off" value={secrets[field] ?? ''}
          onInput={(e) => setSecrets({ ...secrets, [field]: val(e) })} required />
      ))}
      <input aria-label="API base URL (optional)" placeholder="API base URL (optional, e.g. a self-hosted Bot API server)" value={apiUrl} onInput={(e) => setApiUrl(val(e))} />
      <p class="muted small">Permission: {LEVEL_HELP[permission]}. Tokens go straight into the vault and are never shown again.</p>
      <div class="row"><button type="submit" class="primary">Add and test connection</button>{result && <span data-testid="channel-test-result">Connection: <strong>{result}</strong></span>}</div>
      <ErrorLine text={error} />
    </form>
  );
}

function PendingRow({ s, onDone, setError }: { s: Sender; onDone: () => void; setError: (t: string) => void }) {
  const [level, setLevel] = useState('read-only');
  const act = async (method: string, params: Record<string, unknown> = {}) => {
    try { await rpc(method, { type: s.type, accountId: s.accountId, senderId: s.senderId, ...params }); onDone(); } catch (err) { setError(errorText(err)); }
  };
  return (
    <tr data-testid={`pending-${s.senderId}`}>
      <td>{s.kind === 'group' ? 'Group: ' : ''}{who(s)}<div class="small muted">{s.type}/{s.accountId} · id <code>{s.senderId}</code></div></td>
      <td class="small">“{s.preview}”<div class="muted">{s.messageCount} message(s){s.otp ? <> · code <code data-testid="otp-code">{s.otp.code}</code></> : null}</div></td>
      <td><LevelSelect label={`Level for ${s.displayName}`} value={level} onChange={setLevel} /></td>
      <td><div class="row">
        <button type="button" class="primary small" onClick={() => void act('channels.senders.approve', { level })}>Approve</button>
        <button type="button" class="danger small" onClick={() => void act('channels.senders.deny')}>Deny</button>
      </div></td>
    </tr>
  );
}

/** The Channels tab. */
export function ChannelSettings() {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [senders, setSenders] = useState<Sender[]>([]);
  const [error, setError] = useState('');
  const load = () => Promise.all([
    rpc<{ accounts: Account[] }>('channels.list').then((r) => setAccounts(r.accounts)),
    rpc<{ senders: Sender[] }>('channels.senders.list', {}).then((r) => setSenders(r.senders)),
  ]).catch((e) => setError(errorText(e)));

  useEffect(() => {
    void load();
    // Live updates: a new sender or a status change refreshes the lists.
    const gw = new Gateway();
    let off = () => undefined as unknown;
    gw.connect(CHANNEL_EVENTS).then(() => { off = gw.on((event) => { if (CHANNEL_EVENTS.includes(event)) void load(); }); }, () => undefined);
    return () => { off(); gw.close(); };
  }, []);

  const act = async (method: string, params: Record<string, unknown>) => {
    setError('');
    try { await rpc(method, params); await load(); } catch (err) { setError(errorText(err)); }
  };
  const pending = senders.filter((s) => s.status === 'pending');
  const approved = senders.filter((s) => s.status === 'approved');
  const denied = senders.filter((s) => s.status === 'denied');
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="h-pending">
        <h2 id="h-pending">Pending Senders</h2>
        <p class="muted small">Nobody reaches the agent through a channel until you approve them. Decisions follow the platform's permanent id, not the username.</p>
        <ErrorLine text={error} />
        <table class="list" data-testid="pending-senders">
          <thead><tr><th>Who</th><th>First message</th><th>Level</th><th /></tr></thead>
          <tbody>
            {pending.map((s) => <PendingRow key={`${s.type}/${s.accountId}/${s.senderId}`} s={s} onDone={() => void load()} setError={setError} />)}
            {pending.length === 0 && <tr><td colSpan={4} class="muted">Nobody is waiting.</td></tr>}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-labelledby="h-approved">
        <h2 id="h-approved">Approved senders</h2>
        <table class="list" data-testid="approved-senders">
          <thead><tr><th>Who</th><th>Account</th><th>Level</th><th /></tr></thead>
          <tbody>
            {approved.map((s) => (
              <tr key={`${s.type}/${s.accountId}/${s.senderId}`} data-testid={`approved-${s.senderId}`}>
                <td>{s.kind === 'group' ? 'Group: ' : ''}{who(s)}<div class="small muted">id <code>{s.senderId}</code> · {s.messageCount} message(s)</div></td>
                <td class="small">{s.type}/{s.accountId}</td>
                <td><LevelSelect label={`Level of ${s.displayName}`} value={s.level ?? 'read-only'} onChange={(level) => void act('channels.senders.approve', { type: s.type, accountId: s.accountId, senderId: s.senderId, level })} /></td>
                <td><button type="button" class="danger small" onClick={() => void act('channels.senders.revoke', { type: s.type, accountId: s.accountId, senderId: s.senderId })}>Revoke</button></td>
              </tr>
            ))}
            {approved.length === 0 && <tr><td colSpan={4} class="muted">No approved senders.</td></tr>}
          </tbody>
        </table>
        {denied.length > 0 && <p class="muted small">{denied.length} denied sender(s) are ignored without replies.</p>}
      </section>
      <section class="panel" aria-labelledby="h-accounts">
        <h2 id="h-accounts">Accounts</h2>
        <table class="list" data-testid="channel-accounts">
          <thead><tr><th>Account</th><th>Status</th><th>Permission</th><th /></tr></thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={`${a.type}/${a.accountId}`}>
                <td>{a.type}/<strong>{a.accountId}</strong><div class="small muted">{a.botName ? `bot ${a.botName} · ` : ''}{a.source === 'config' ? 'from moltis.toml' : 'added here'} · secrets {Object.entries(a.secrets).map(([k, v]) => `${k} ${v ? 'set' : 'missing'}`).join(', ')}</div></td>
                <td data-testid={`state-${a.accountId}`}>{a.state}</td>
                <td>{a.source === 'config' ? String(a.config.permission) : <LevelSelect label={`Permission of ${a.accountId}`} value={String(a.config.permission)} onChange={(permission) => void act('channels.update', { type: a.type, accountId: a.accountId, config: { permission } })} />}</td>
                <td>{a.source !== 'config' && <button type="button" class="danger small" onClick={() => { if (confirm(`Remove ${a.type}/${a.accountId} and its senders?`)) void act('channels.remove', { type: a.type, accountId: a.accountId }); }}>Remove</button>}</td>
              </tr>
            ))}
            {accounts.length === 0 && <tr><td colSpan={4} class="muted">No channel accounts yet.</td></tr>}
          </tbody>
        </table>
        <h3>Add an account</h3>
        <AddAccount onAdded={() => void load()} />
      </section>
    </div>
  );
}
