/** An approval card for `exec.approval.requested`: approve, deny, or edit-and-approve, with a countdown. */
import { useEffect, useState } from 'preact/hooks';
import type { Gateway } from './ws.js';
import { formatSeconds } from './api.js';
import { ErrorLine } from './util.js';

/** The payload of `exec.approval.requested`. */
export interface ApprovalRequest { requestId: string; sessionKey: string; command: string; reason: string; rule?: string; expiresAt: number }

export function ApprovalCard({ req, label, gw, onDone }: { req: ApprovalRequest; label: string; gw: Gateway; onDone: (id: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [command, setCommand] = useState(req.command);
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), 1000); return () => clearInterval(t); }, []);
  const left = Math.max(0, (req.expiresAt - now) / 1000);

  const resolve = async (decision: 'approve' | 'deny' | 'modify') => {
    setBusy(true); setError('');
    try {
      await gw.request('exec.approval.resolve', {
        requestId: req.requestId, decision,
        ...(decision === 'modify' ? { command } : {}),
        ...(remember && decision === 'approve' ? { remember: 'session' } : {}),
      });
      onDone(req.requestId);
    } catch (err) { setError((err as Error).message); setBusy(false); }
  };

  return (
    <section class="approval" data-testid="approval-card" aria-label="Command approval">
      <header><strong>Approve command?</strong> <span class="muted" title={req.sessionKey} data-testid="approval-session">in “{label}”</span>
        <span class={left < 10 ? 'countdown urgent' : 'countdown'} data-testid="countdown">{left > 0 ? `${formatSeconds(left)} left` : 'expired'}</span></header>
      {editing
        ? <textarea aria-label="Command" rows={3} value={command} onInput={(e) => setCommand((e.target as HTMLTextAreaElement).value)} />
        : <pre class="command">{req.command}</pre>}
      <p class="reason">{req.reason}{req.rule ? <span class="rule"> (rule: {req.rule})</span> : null}</p>
      {/* The gateway remembers only the exact command it asked about, so an edited one cannot be remembered. */}
      {!editing && <label class="check"><input type="checkbox" checked={remember} onChange={(e) => setRemember((e.target as HTMLInputElement).checked)} /> Remember for this session</label>}
      <ErrorLine text={error} />
      <div class="row">
        {editing
          ? <button type="button" class="primary" disabled={busy || command.trim() === ''} onClick={() => void resolve('modify')}>Approve edited</button>
          : <button type="button" class="primary" disabled={busy || left === 0} onClick={() => void resolve('approve')}>Approve</button>}
        <button type="button" class="danger" disabled={busy || left === 0} onClick={() => void resolve('deny')}>Deny</button>
        {!editing && <button type="button" disabled={busy || left === 0} onClick={() => setEditing(true)}>Edit…</button>}
      </div>
    </section>
  );
}
