/**
 * The security-alert badge in the top bar: open (unacknowledged) alerts from `security.alerts.list`,
 * refreshed every 30 s; opening it lists them and offers "Acknowledge all" (operator.write).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { rpc, errorText } from './api.js';

interface Alert { id: string; rule: string; severity: string; summary: string; at: string }

export function AlertsBadge() {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [count, setCount] = useState(0);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    try {
      const r = await rpc<{ alerts: Alert[]; unacknowledged: number }>('security.alerts.list', { unacknowledged: true, limit: 50 });
      setAlerts(r.alerts); setCount(r.unacknowledged); setError('');
    } catch (e) { setError(errorText(e)); }
  }, []);
  useEffect(() => { void load(); const t = setInterval(() => void load(), 30_000); return () => clearInterval(t); }, [load]);
  if (count === 0 && !open) return null;
  const ackAll = async () => {
    try { await rpc('security.alerts.ack', { all: true }); setOpen(false); await load(); } catch (e) { setError(errorText(e)); }
  };
  return (
    <span class="alerts-badge">
      <button type="button" class="link danger" data-testid="alerts-badge" onClick={() => setOpen(!open)}>⚠ {count} security alert{count === 1 ? '' : 's'}</button>
      {open && (
        <section class="alerts-panel" aria-label="Security alerts">
          <ul>{alerts.map((a) => <li key={a.id}><strong>{a.rule}</strong> <span class="badge">{a.severity}</span> {a.summary} <span class="muted">{new Date(a.at).toLocaleString()}</span></li>)}</ul>
          {error && <p class="error">{error}</p>}
          <button type="button" onClick={() => void ackAll()}>Acknowledge all</button>
        </section>
      )}
    </span>
  );
}
