/** Chat: session list (paged, searchable), streamed replies, tool calls as they happen, approval cards. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Gateway } from './ws.js';
import { ApprovalCard, type ApprovalRequest } from './approval.js';
import { historyToItems, ItemView, type Item } from './messages.js';
import type { Navigate } from './main.js';

interface Session { key: string; label: string; updatedAt: number }
interface Page { sessions: Session[]; hasMore: boolean; nextCursor: string | null }

const DRAFT = 'moltis.draft';
const kib = (n: number) => `${Math.ceil(n / 1024).toLocaleString()} KiB`;

export function Chat({ vault, navigate }: { vault: string; navigate: Navigate }) {
  const gwRef = useRef<Gateway | null>(null);
  const [conn, setConn] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [connError, setConnError] = useState('');
  const [attempt, setAttempt] = useState(0);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [more, setMore] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [current, setCurrent] = useState<string | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [approvals, setApprovals] = useState<ApprovalRequest[]>([]);
  // The draft survives a lost connection and a reload: a long text is never lost to an error.
  const [text, setText] = useState(() => sessionStorage.getItem(DRAFT) ?? '');
  const [sendError, setSendError] = useState('');
  const [running, setRunning] = useState<string | null>(null);
  const [showList, setShowList] = useState(false);
  const [hasModel, setHasModel] = useState<boolean | null>(null);
  const currentRef = useRef<string | null>(null);
  currentRef.current = current;
  const searchRef = useRef('');
  searchRef.current = search;
  const endRef = useRef<HTMLDivElement>(null);

  const draft = (t: string) => { setText(t); setSendError(''); if (t) sessionStorage.setItem(DRAFT, t); else sessionStorage.removeItem(DRAFT); };
  const loadSessions = async (gw: Gateway, cursor: string | null = null) => {
    const q = searchRef.current.trim();
    const r = await gw.request<Page>('sessions.list', { limit: 100, ...(cursor ? { cursor } : {}), ...(q ? { search: q } : {}) });
    setSessions((old) => (cursor ? [...old, ...r.sessions] : r.sessions));
    setMore(r.nextCursor);
  };
  const loadModels = async (gw: Gateway) => {
    const r = await gw.request<{ models: unknown[] }>('models.list');
    setHasModel(r.models.length > 0);
  };

  useEffect(() => {
    const gw = new Gateway();
    gwRef.current = gw;
    gw.onClose = (code, reason) => {
      setConn('closed');
      setConnError(code === 4001 ? `signed out (${reason})` : code === 1009 ? 'the connection was closed because a message was too large' : 'connection lost');
    };
    const off = gw.on((event, p) => {
      if (event === 'sessions.changed') { void loadSessions(gw).catch(() => undefined); return; }
      if (event === 'providers.changed') { void loadModels(gw).catch(() => undefined); return; }
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
    setConn('connecting'); setConnError('');
    gw.connect().then(async () => {
      setConn('open');
      await Promise.all([loadSessions(gw), loadModels(gw)]);
      const pending = await gw.request<{ requests: ApprovalRequest[] }>('exec.approval.list').catch(() => ({ requests: [] }));
      setApprovals(pending.requests);
    }).catch((e: Error) => { setConn('closed'); setConnError(e.message); });
    return () => { off(); gw.close(); };
  }, [attempt]);

  useEffect(() => { endRef.current?.scrollIntoView({ block: 'end' }); }, [items, approvals]);
  useEffect(() => {
    const gw = gwRef.current;
    if (!gw || conn !== 'open') return;
    const t = setTimeout(() => void loadSessions(gw).catch(() => undefined), 250);
    return () => clearTimeout(t);
  }, [search]);

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
    // No label: the gateway titles the session from its first message.
    const s = await gw.request<Session>('sessions.create', {});
    await loadSessions(gw);
    await open(s.key);
  };
  const send = async (e: Event) => {
    e.preventDefault();
    const gw = gwRef.current;
    const t = text.trim();
    if (!gw || !t) return;
    // Checked before sending: an oversized message is refused here, with the limit, and the draft stays.
    const bytes = Gateway.frameBytes('chat.send', { sessionKey: current ?? 'session:00000000-0000-0000-0000-000000000000', text: t });
    if (bytes > gw.maxPayload) { setSendError(`This message is ${kib(bytes)}; the limit is ${kib(gw.maxPayload)}. Shorten it or split it into parts — your text is kept below.`); return; }
    let key = current;
    try {
      if (!key) { const s = await gw.request<Session>('sessions.create', {}); key = s.key; setCurrent(key); currentRef.current = key; }
      const r = await gw.request<{ runId: string }>('chat.send', { sessionKey: key, text: t });
      setItems((l) => [...l, { kind: 'user', text: t }]);
      draft('');
      setRunning(r.runId);
    } catch (err) { setSendError(`${(err as Error).message} — your text is kept below.`); }
  };
  const abort = () => { if (current) void gwRef.current?.request('chat.abort', { sessionKey: current }).catch(() => undefined); };
  const gw = gwRef.current;
  const labelOf = (key: string) => sessions.find((s) => s.key === key)?.label ?? (key === current ? 'this session' : 'another session');

  return (
    <main class="chat" data-screen="chat">
      <aside class={showList ? 'sessions open' : 'sessions'}>
        <button type="button" class="primary wide" onClick={() => void create()} disabled={conn !== 'open'}>New session</button>
        <input type="search" aria-label="Search sessions" placeholder="Search titles…" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <ul>
          {sessions.map((s) => <li key={s.key}><button type="button" class={s.key === current ? 'session active' : 'session'} onClick={() => void open(s.key)}>{s.label}</button></li>)}
        </ul>
        {sessions.length === 0 && search && <p class="muted small">No session title contains “{search}”.</p>}
        {more && gw && <button type="button" class="link" onClick={() => void loadSessions(gw, more)}>Older sessions…</button>}
      </aside>
      <section class="conversation">
        <div class="conv-head">
          <button type="button" class="link only-phone" onClick={() => setShowList(!showList)}>☰ Sessions</button>
          <span class="muted">{current ? sessions.find((s) => s.key === current)?.label ?? current : 'No session selected'}</span>
          <span class={`dot ${conn}`} title={conn} data-testid="conn">{conn}</span>
        </div>
        {connError && <p class="error note">{connError}. <button type="button" class="link" onClick={() => setAttempt((n) => n + 1)}>Reconnect</button> (your draft is kept)</p>}
        {hasModel === false && (
          <div class="banner" role="status" data-testid="no-model-banner">
            <p><strong>No model is connected yet.</strong> Connect OpenAI, Anthropic or a local server such as Ollama, and the chat is ready.</p>
            <button type="button" class="primary" onClick={() => navigate('/settings/models')}>Connect a model</button>
          </div>
        )}
        {vault === 'sealed' && <p class="muted small note">Provider keys stored in the vault are unavailable while it is sealed.</p>}
        <div class="messages" aria-live="polite">
          {items.map((it, i) => <ItemView key={i} item={it} />)}
          {gw && approvals.map((a) => <ApprovalCard key={a.requestId} req={a} label={labelOf(a.sessionKey)} gw={gw} onDone={(id) => setApprovals((l) => l.filter((x) => x.requestId !== id))} />)}
          <div ref={endRef} />
        </div>
        {sendError && <p class="error note" role="alert" data-testid="send-error">{sendError}</p>}
        <form class="composer" onSubmit={(e) => void send(e)}>
          <textarea aria-label="Message" rows={2} placeholder={hasModel === false ? 'Connect a model first…' : 'Message…'} value={text} onInput={(e) => draft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send(e); } }} />
          {running ? <button type="button" onClick={abort}>Stop</button> : <button type="submit" class="primary" disabled={conn !== 'open' || !text.trim() || hasModel === false}>Send</button>}
        </form>
      </section>
    </main>
  );
}
