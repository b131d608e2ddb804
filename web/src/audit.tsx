/**
 * Audit: the hash-chained security audit log (admin only: entries carry IP addresses and
 * credential names). Filters by type, since, actor; pages back to older entries; verifies the
 * chain on demand (it walks the whole log, so never on every visit).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { rpc, errorText } from './api.js';
import { ErrorLine } from './util.js';

interface Entry { seq: number; time: string; type: string; actor: string | null; ip: string | null; detail: string | null }
interface Page { entries: Entry[]; nextBefore: number | null }
interface Verify { ok: boolean; entries: number; firstSeq: number | null; lastSeq: number | null; problem: { kind: string; seq: number | null; message: string } | null }
interface Filters { types: string[]; since: string; actor: string }

const PAGE_SIZE = 50;
const DETAIL_CHARS = 160;

/** One line of an entry's detail: `key=value, …` for JSON, else the text; clipped. */
export function detailSummary(detail: string | null): string {
  if (!detail) return '';
  let text = detail;
  try {
    const v = JSON.parse(detail) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      text = Object.entries(v).filter(([, x]) => x !== null && x !== '').map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`).join(', ');
    }
  } catch { /* plain text detail */ }
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS)}…` : text;
}

function VerifyLine() {
  const [result, setResult] = useState<Verify | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = async () => {
    setBusy(true);
    try { setResult(await rpc<Verify>('audit.verify', {})); setError(''); } catch (e) { setError(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <div class="row wrap">
      <button type="button" class="small" disabled={busy} onClick={() => void run()}>{busy ? 'Verifying…' : 'Verify chain'}</button>
      {result && (result.ok
        ? <span class="ok" data-testid="audit-verify">Chain verified: {result.entries} entries{result.entries ? ` (${result.firstSeq}–${result.lastSeq})` : ''}</span>
        : <span class="error" data-testid="audit-verify">Chain BROKEN ({result.problem?.kind}{result.problem?.seq != null ? ` at entry ${result.problem.seq}` : ''}): {result.problem?.message}</span>)}
      <ErrorLine text={error} />
    </div>
  );
}

export function Audit({ admin }: { admin: boolean | null }) {
  const [types, setTypes] = useState<Array<{ type: string; count: number }>>([]);
  const [draft, setDraft] = useState<Filters>({ types: [], since: '', actor: '' });
  const [applied, setApplied] = useState<Filters>(draft);
  // The `before` cursor of each page shown so far (null: the newest page).
  const [cursors, setCursors] = useState<Array<number | null>>([null]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState('');

  const load = useCallback(async (f: Filters, before: number | null) => {
    const since = f.since ? Date.parse(f.since) : NaN;
    const params = {
      limit: PAGE_SIZE,
      ...(f.types.length ? { types: f.types } : {}),
      ...(Number.isFinite(since) ? { since } : {}),
      ...(f.actor.trim() ? { actor: f.actor.trim() } : {}),
      ...(before !== null ? { before } : {}),
    };
    try { setPage(await rpc<Page>('audit.list', params)); setError(''); } catch (e) { setError(errorText(e)); }
  }, []);

  useEffect(() => {
    if (!admin) return;
    rpc<{ types: Array<{ type: string; count: number }> }>('audit.types', {}).then((r) => setTypes(r.types), (e) => setError(errorText(e)));
    void load(applied, null);
  }, [admin]);

  if (admin === null) return <main class="center"><p class="muted">Loading…</p></main>;
  // Fail closed in the page too: the gateway refuses the data, and the page does not ask for it.
  if (!admin) return <main class="settings" data-screen="audit"><section class="panel"><h2>Audit log</h2><p class="muted">The audit log is for administrators (operator.admin) only.</p></section></main>;

  const apply = (e: Event) => {
    e.preventDefault();
    setApplied(draft); setCursors([null]);
    void load(draft, null);
  };
  const older = () => {
    if (page?.nextBefore == null) return;
    setCursors([...cursors, page.nextBefore]);
    void load(applied, page.nextBefore);
  };
  const newer = () => {
    const rest = cursors.slice(0, -1);
    setCursors(rest.length ? rest : [null]);
    void load(applied, rest.at(-1) ?? null);
  };

  return (
    <main class="settings" data-screen="audit">
      <section class="panel" aria-labelledby="h-audit">
        <h2 id="h-audit">Audit log</h2>
        <p class="muted small">Every security event, hash-chained: an edited, deleted or reordered entry breaks the chain.</p>
        <VerifyLine />
        <form class="row wrap" onSubmit={apply} aria-label="Audit filters">
          <label>Event types
            <select multiple size={Math.min(8, Math.max(3, types.length))} aria-label="Event types"
              onChange={(e) => setDraft({ ...draft, types: Array.from((e.target as HTMLSelectElement).selectedOptions).map((o) => o.value) })}>
              {types.map((t) => <option key={t.type} value={t.type} selected={draft.types.includes(t.type)}>{t.type} ({t.count})</option>)}
            </select>
          </label>
          <label>Since<input type="datetime-local" aria-label="Since" value={draft.since} onInput={(e) => setDraft({ ...draft, since: (e.target as HTMLInputElement).value })} /></label>
          <label>Actor<input type="text" aria-label="Actor" placeholder="key:3, session:…, sandbox:…, system" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: (e.target as HTMLInputElement).value })} /></label>
          <button type="submit" class="small">Apply filters</button>
        </form>
        <ErrorLine text={error} />
        <div class="scroll"><table class="list" data-testid="audit-table">
          <thead><tr><th>seq</th><th>time</th><th>type</th><th>actor</th><th>source IP</th><th>detail</th></tr></thead>
          <tbody>
            {(page?.entries ?? []).map((e) => (
              <tr key={e.seq} data-type={e.type}>
                <td class="small">{e.seq}</td>
                <td class="small">{new Date(e.time).toLocaleString()}</td>
                <td class="small"><code>{e.type}</code></td>
                <td class="small">{e.actor ?? '—'}</td>
                <td class="small">{e.ip ?? '—'}</td>
                <td class="small" title={e.detail ?? ''}>{detailSummary(e.detail)}</td>
              </tr>
            ))}
            {page && page.entries.length === 0 && <tr><td class="muted" colSpan={6}>No entries match.</td></tr>}
          </tbody>
        </table></div>
        <div class="row">
          <button type="button" class="small" disabled={cursors.length <= 1} onClick={newer}>Newer entries</button>
          <button type="button" class="small" disabled={page?.nextBefore == null} onClick={older}>Older entries</button>
        </div>
      </section>
    </main>
  );
}
