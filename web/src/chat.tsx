/** Chat: session list, streamed replies, tool calls as they happen, approval cards. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Gateway } from './ws.js';
import { ApprovalCard, type ApprovalRequest } from './approval.js';
import { historyToItems, ItemView, type Item } from './messages.js';

interface Session { key: string; label: string; updatedAt: number }

export function Chat({ vault }: { vault: string }) {
  const gwRef = useRef<Gateway | null>(null);
  const [conn, setConn] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [connError, setConnError] = useState('');
  const [sessions, setSessions] = useState<Session[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [approvals, setApprovals] = useState<ApprovalRequest[]>([]);
  const [text, setText] = useState('');
  const [running, setRunning] = useState<string | null>(null);
  const [showList, setShowList] = useState(false);
  const currentRef = useRef<string | null>(null);
  currentRef.current = current;
  const endRef = useRef<HTMLDivElement>(null);

  const loadSessions = async (gw: Gateway) => {
    const r = await gw.request<{ sessions: Session[] }>('sessions.list');
    setSessions([...r.sessions].sort((a, b) => b.updatedAt - a.updatedAt));
  };

  useEffect(() => {
    const gw = new Gateway();
    gwRef.current = gw;
    gw.onClose = (code, reason) => { setConn('closed'); setConnError(code === 4001 ? `signed out (${reason})` : 'connection lost'); };
    const off = gw.on((event, p) => {
      if (event === 'sessions.changed') { void loadSessions(gw).catch(() => undefined); return; }
      if (event === 'exec.approval.requested') { setApprovals((a) => [...a.filter((x) => x.requestId !== p.requestId), p as ApprovalRequest]); return; }
      if (event === 'exec.approval.resolved') { setApprovals((a) => a.filter((x) => x.requestId !== p.requestId)); return; }
      if (p?.sessionKey !== currentRef.current) return;
      if (event === 'chat') {
        setItems((list) => {
          const last = list[list.length - 1];
          if (p.state === 'delta') {
            // Text after a tool call starts a new bubble below the tool.
            if (last && last.kind === 'assistant' && last.runId === p.runId && last.streaming) return [...list.slice(0, -1), { ...last, text: last.text + String(p.text ?? '') }];
            return [...list, { kind: 'assistant', runId: p.runId, streaming: true, text: String(p.text ?? '') }];
          }
          const done = list.map((it) => (it.kind === 'assistant' && it.runId === p.runId ? { ...it, streaming: false } : it));
          if (p.state === 'error') return [...done, { kind: 'error', text: String(p.text ?? 'error') }];
          if (!list.some((it) => it.kind === 'assistant' && it.runId === p.runId) && p.text) return [...done, { kind: 'assistant', runId: p.runId, text: String(p.text) }];
          return done;
        });
        if (p.state !== 'delta') setRunning(null);
      } else if (event === 'agent') {
        setItems((list) => {
          if (p.kind === 'tool_call') return [...list, { kind: 'tool', id: p.toolCallId, name: p.toolName, input: p.input }];
          return list.map((it) => (it.kind === 'tool' && it.id === p.toolCallId
            ? { ...it, ...(p.kind === 'tool_error' ? { error: String(p.error) } : { output: p.output }) } : it));
        });
      }
    });
    gw.connect().then(async () => {
      setConn('open');
      await loadSessions(gw);
      const pending = await gw.request<{ requests: ApprovalRequest[] }>('exec.approval.list').catch(() => ({ requests: [] }));
      setApprovals(pending.requests);
    }).catch((e: Error) => { setConn('closed'); setConnError(e.message); });
    return () => { off(); gw.close(); };
  }, []);

  useEffect(() => { endRef.current?.scrollIntoView({ block: 'end' }); }, [items, approvals]);

  const open = async (key: string) => {
    setCurrent(key); setItems([]); setShowList(false);
    const gw = gwRef.current;
    if (!gw) return;
    try {
      const h = await gw.request<{ messages: Array<{ role: string; content: unknown }> }>('chat.history', { sessionKey: key });
      if (currentRef.current === key) setItems(historyToItems(h.messages));
    } catch (e) { setItems([{ kind: 'error', text: (e as Error).message }]); }
  };
  const create = async () => {
    const gw = gwRef.current;
    if (!gw) return;
    const s = await gw.request<Session>('sessions.create', { label: 'New session' });
    await loadSessions(gw);
    await open(s.key);
  };
  const send = async (e: Event) => {
    e.preventDefault();
    const gw = gwRef.current;
    const t = text.trim();
    if (!gw || !t) return;
    let key = current;
    if (!key) { const s = await gw.request<Session>('sessions.create', { label: t.slice(0, 60) }); key = s.key; setCurrent(key); currentRef.current = key; void loadSessions(gw); }
    setItems((l) => [...l, { kind: 'user', text: t }]);
    setText('');
    try { const r = await gw.request<{ runId: string }>('chat.send', { sessionKey: key, text: t }); setRunning(r.runId); } catch (err) { setItems((l) => [...l, { kind: 'error', text: (err as Error).message }]); }
  };
  const abort = () => { if (current) void gwRef.current?.request('chat.abort', { sessionKey: current }).catch(() => undefined); };
  const gw = gwRef.current;

  return (
    <main class="chat" data-screen="chat">
      <aside class={showList ? 'sessions open' : 'sessions'}>
        <button type="button" class="primary wide" onClick={() => void create()} disabled={conn !== 'open'}>New session</button>
        <ul>
          {sessions.map((s) => <li key={s.key}><button type="button" class={s.key === current ? 'session active' : 'session'} onClick={() => void open(s.key)}>{s.label}</button></li>)}
        </ul>
      </aside>
      <section class="conversation">
        <div class="conv-head">
          <button type="button" class="link only-phone" onClick={() => setShowList(!showList)}>☰ Sessions</button>
          <span class="muted">{current ? sessions.find((s) => s.key === current)?.label ?? current : 'No session selected'}</span>
          <span class={`dot ${conn}`} title={conn} data-testid="conn">{conn}</span>
        </div>
        {connError && <p class="error">{connError} — <a href="/chat">reload</a></p>}
        {vault === 'sealed' && <p class="muted small">Provider keys stored in the vault are unavailable while it is sealed.</p>}
        <div class="messages" aria-live="polite">
          {items.map((it, i) => <ItemView key={i} item={it} />)}
          {gw && approvals.map((a) => <ApprovalCard key={a.requestId} req={a} gw={gw} onDone={(id) => setApprovals((l) => l.filter((x) => x.requestId !== id))} />)}
          <div ref={endRef} />
        </div>
        <form class="composer" onSubmit={(e) => void send(e)}>
          <textarea aria-label="Message" rows={2} placeholder="Message…" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send(e); } }} />
          {running ? <button type="button" onClick={abort}>Stop</button> : <button type="submit" class="primary" disabled={conn !== 'open' || !text.trim()}>Send</button>}
        </form>
      </section>
    </main>
  );
}
