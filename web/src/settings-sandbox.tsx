/** Settings > Sandbox & network: backend and limits (sandbox.status), network audit log (network.audit.list). */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText, rpc } from './api.js';
import { ErrorLine } from './util.js';

const unknownMethod = (e: unknown) => e instanceof ApiError && e.code === 'UNKNOWN_METHOD';

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function KeyValues({ data }: { data: Record<string, unknown> }) {
  return <dl class="kv">{Object.entries(data).map(([k, v]) => <><dt>{k}</dt><dd>{show(v)}</dd></>)}</dl>;
}

/** sandbox.status as an owner reads it: the backend, why, the limits and the network mode. */
function friendly(d: Record<string, unknown>): Record<string, unknown> {
  const l = (d.limits ?? {}) as Record<string, unknown>;
  const domains = Array.isArray(d.trustedDomains) ? d.trustedDomains.join(', ') : '';
  return {
    backend: `${String(d.backend)}${d.isolated ? '' : ' (NOT isolated: commands run on the host)'}`,
    requested: d.enabled ? d.requested : 'sandbox disabled in moltis.toml',
    why: d.reason,
    'approval mode': d.approvalMode,
    ...(d.image ? { image: d.image } : {}),
    memory: l.memory, cpus: l.cpuQuota, 'max processes': l.pidsMax,
    'time limit': `${String(l.timeoutSecs)} s (agent may ask up to ${String(l.maxTimeoutSecs)} s)`,
    'output cap': `${String(l.outputMaxBytes)} bytes per stream`,
    network: d.network === 'trusted' ? `trusted: ${domains || 'no domains listed'}` : 'none (no network at all)',
  };
}

function Sandbox() {
  const [data, setData] = useState<Record<string, unknown> | null>(null);
  const [fallback, setFallback] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    rpc<Record<string, unknown>>('sandbox.status').then(setData, async (e) => {
      if (!unknownMethod(e)) { setError(errorText(e)); return; }
      setFallback(true);
      rpc<Record<string, unknown>>('status').then(setData, (e2) => setError(errorText(e2)));
    });
  }, []);
  return (
    <section class="panel" aria-labelledby="h-sandbox">
      <h2 id="h-sandbox">Sandbox</h2>
      {fallback && <p class="muted">Sandbox details are not available from this gateway version; general status:</p>}
      {data && <KeyValues data={fallback ? data : friendly(data)} />}
      <ErrorLine text={error} />
    </section>
  );
}

interface NetEntry {
  id: number; ts: number; sessionKey: string; domain: string; port: number; method: string; url: string | null;
  action: 'allow' | 'deny'; reason: string; bytesUp: number; bytesDown: number; durationMs: number;
}

function NetworkAudit() {
  const [rows, setRows] = useState<NetEntry[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [host, setHost] = useState('');
  const [decision, setDecision] = useState('');
  const [session, setSession] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    const params: Record<string, unknown> = { limit: 100 };
    if (host) params.domain = host;
    if (session) params.session = session;
    if (decision) params.action = decision;
    rpc<{ entries: NetEntry[] }>('network.audit.list', params).then((r) => { setRows(r.entries ?? []); setError(''); }, (e) => {
      if (unknownMethod(e)) setMissing(true); else setError(errorText(e));
    });
  }, [host, session, decision]);
  return (
    <section class="panel" aria-labelledby="h-net">
      <h2 id="h-net">Network audit log</h2>
      {missing ? <p class="muted" data-testid="net-unavailable">The network audit log is not available on this gateway.</p> : (
        <>
          <div class="row wrap">
            <input aria-label="Domain filter" placeholder="domain" value={host} onChange={(e) => setHost((e.target as HTMLInputElement).value.trim())} />
            <input aria-label="Session filter" placeholder="session" value={session} onChange={(e) => setSession((e.target as HTMLInputElement).value.trim())} />
            <select aria-label="Decision filter" value={decision} onChange={(e) => setDecision((e.target as HTMLSelectElement).value)}>
              <option value="">all decisions</option><option value="allow">allowed</option><option value="deny">denied</option>
            </select>
          </div>
          <ErrorLine text={error} />
          <div class="scroll"><table class="list">
            <thead><tr><th>time</th><th>session</th><th>destination</th><th>request</th><th>action</th><th>reason</th><th>bytes ↑/↓</th><th>ms</th></tr></thead>
            <tbody>
              {(rows ?? []).map((r) => (
                <tr key={r.id} class={r.action === 'deny' ? 'denied' : ''}>
                  <td class="small">{new Date(r.ts).toLocaleString()}</td><td class="small">{r.sessionKey}</td>
                  <td class="small">{r.domain}:{r.port}</td><td class="small">{r.url ?? r.method}</td>
                  <td class="small">{r.action}</td><td class="small">{r.reason}</td>
                  <td class="small">{r.bytesUp}/{r.bytesDown}</td><td class="small">{r.durationMs}</td>
                </tr>
              ))}
              {rows && rows.length === 0 && <tr><td class="muted" colSpan={8}>No entries.</td></tr>}
            </tbody>
          </table></div>
        </>
      )}
    </section>
  );
}

export function SandboxSettings() {
  return <div class="stack"><Sandbox /><NetworkAudit /></div>;
}
