/** Rendering of chat items: user and assistant text, tool calls with their results, errors. */

/** One displayed item. */
export type Item =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string; runId?: string; streaming?: boolean }
  | { kind: 'tool'; id: string; name: string; input: unknown; output?: unknown; error?: string }
  | { kind: 'error'; text: string };

/** Turns stored history (ModelMessage rows) into display items. */
export function historyToItems(messages: Array<{ role: string; content: unknown }>): Item[] {
  const items: Item[] = [];
  const tools = new Map<string, Extract<Item, { kind: 'tool' }>>();
  for (const m of messages) {
    const parts: any[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];
    for (const p of parts) {
      if (p.type === 'text' && p.text) items.push(m.role === 'user' ? { kind: 'user', text: p.text } : { kind: 'assistant', text: p.text });
      else if (p.type === 'tool-call') { const t = { kind: 'tool' as const, id: p.toolCallId, name: p.toolName, input: p.input }; tools.set(p.toolCallId, t); items.push(t); }
      else if (p.type === 'tool-result') { const t = tools.get(p.toolCallId); if (t) t.output = p.output?.value ?? p.output; }
    }
  }
  return items;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v, null, 2); } catch { return String(v); }
}

function ToolOutput({ output }: { output: unknown }) {
  const o = output as { stdout?: string; stderr?: string; exitCode?: number; status?: string } | null;
  if (o && typeof o === 'object' && ('stdout' in o || 'stderr' in o)) {
    return (
      <div class="tool-out">
        {o.status && <span class="muted">status: {o.status} </span>}
        {o.exitCode !== undefined && <span class="muted">exit {o.exitCode}</span>}
        {o.stdout ? <pre data-testid="tool-stdout">{o.stdout}</pre> : null}
        {o.stderr ? <pre class="stderr">{o.stderr}</pre> : null}
      </div>
    );
  }
  return <pre class="tool-out">{show(output)}</pre>;
}

/** One item. */
export function ItemView({ item }: { item: Item }) {
  if (item.kind === 'user') return <div class="msg user">{item.text}</div>;
  if (item.kind === 'assistant') return <div class={item.streaming ? 'msg assistant streaming' : 'msg assistant'} data-testid="assistant-msg">{item.text}</div>;
  if (item.kind === 'error') return <div class="msg error" role="alert">{item.text}</div>;
  return (
    <details class="tool" open data-testid="tool-call">
      <summary><span class="muted">tool</span> {item.name} {item.output === undefined && item.error === undefined ? <span class="muted">running…</span> : null}</summary>
      <pre class="tool-in">{show((item.input as { command?: string })?.command ?? item.input)}</pre>
      {item.output !== undefined && <ToolOutput output={item.output} />}
      {item.error && <p class="error">{item.error}</p>}
    </details>
  );
}
