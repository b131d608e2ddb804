/**
 * The network audit log, as a view of the one hash-chained audit log: each egress-proxy request
 * becomes a `network.egress` entry there (invariant 9: one place to look, one chain to verify),
 * and `network.audit.list|tail|stats` and the `network.audit.entry` event read it back.
 *
 * Flood control (decision). Allowed requests are high volume (an `npm install` is hundreds) and a
 * sandboxed program chooses how many it makes, so one entry per request would let it push the
 * real security events out of the log through `[audit] max_entries`. Every request is counted,
 * but within a window (a minute) only the first request per (action, session, method, domain,
 * port, reason) gets its own entry, at once; the rest of that key are summed into one aggregate
 * entry (`count`, bytes, duration) when the window closes. Distinct keys per window are capped
 * separately for denials and allowed requests (an allowed flood cannot use up the denials'
 * room); past the cap, requests are summed per action and session kind into one overflow entry.
 * So a window writes at most 2 × (maxKeys.allow + maxKeys.deny) + 4 entries whatever the
 * traffic: with the defaults about 280 k a day, a quarter of the default `max_entries`, and the
 * retention alert sees a log pruned faster than expected. Nothing is dropped from the totals.
 */
import { EGRESS_AUDIT_TYPE, type AuditEgressView, type AuditRepo, type AuditRow, type EgressDetail, type EgressRow } from '../store/index.js';
import { CHANNEL_SESSION_PREFIXES, isChannelSession } from '../policy/index.js';

/** What the proxy reports about one request. */
export interface NetworkAuditInput {
  /** Start of the request (ms since the epoch). */
  ts: number;
  sessionKey: string;
  domain: string;
  port: number;
  /** HTTP method, or CONNECT for a tunnel. */
  method: string;
  /** Plain HTTP only; null for CONNECT (the tunnel is opaque). */
  url: string | null;
  action: 'allow' | 'deny';
  reason: string;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
}

/**
 * A stored entry as RPC and events show it (`id` is its audit sequence number). `count` is
 * present on aggregates only (repeated requests summed: bytes and duration are totals).
 */
export interface NetworkAuditEntry extends NetworkAuditInput { id: number; count?: number }

/** Filters of `list`; all optional. `before` pages backwards by id. */
export interface AuditFilter {
  session?: string; domain?: string; action?: 'allow' | 'deny';
  since?: number; until?: number; before?: number; limit: number;
  /** Leave out sessions the caller may not see (chat-channel sessions for non-admins). */
  hideChannelSessions?: boolean;
}

/** Totals over an optional window. */
export interface AuditStats {
  total: number; allow: number; deny: number; bytesUp: number; bytesDown: number;
  topDomains: Array<{ domain: string; count: number; allow: number; deny: number }>;
  sessions: Array<{ sessionKey: string; count: number; deny: number }>;
}

export const EGRESS_WINDOW_MS = 60_000;
export const EGRESS_MAX_KEYS = { allow: 32, deny: 64 } as const;
const MAX_PATH_CHARS = 128;
// A path segment this long and opaque is most likely a token (e.g. /bot<token>/…): never stored.
const TOKENISH = /^[A-Za-z0-9._~:%+=-]{32,}$/;

const clean = (s: string, n: number) => s.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, n);
const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

/**
 * A URL as the audit log keeps it: scheme, host and a clipped path; never userinfo, query or
 * fragment (where credentials travel), and token-like path segments replaced by `…`.
 */
export function auditUrl(url: string | null): string | null {
  if (url === null) return null;
  let u: URL;
  try { u = new URL(url); } catch { return '(unparsable)'; }
  let path = u.pathname.split('/').map((seg) => (TOKENISH.test(seg) ? '…' : seg)).join('/');
  if (path.length > MAX_PATH_CHARS) path = `${path.slice(0, MAX_PATH_CHARS)}…`;
  return `${u.protocol}//${u.host}${path.replace(/[^\x21-\x7e…]/g, '?')}${u.search ? '?…' : ''}`;
}

const toEntry = (r: EgressRow): NetworkAuditEntry => ({
  id: r.id, ts: r.ts, sessionKey: r.session_key, domain: r.domain, port: r.port, method: r.method, url: r.url,
  action: r.action, reason: r.reason, bytesUp: r.bytes_up, bytesDown: r.bytes_down, durationMs: r.duration_ms,
  ...(r.n > 1 ? { count: r.n } : {}),
});
const detailEntry = (id: number, d: EgressDetail): NetworkAuditEntry => ({
  id, ts: d.ts, sessionKey: d.session, domain: d.domain, port: d.port, method: d.method, url: d.url, action: d.action,
  reason: d.reason, bytesUp: d.bytesUp, bytesDown: d.bytesDown, durationMs: d.durationMs, ...(d.count && d.count > 1 ? { count: d.count } : {}),
});

interface Pending { d: EgressDetail; folded: number }

/**
 * Creates the network audit over the store's audit log. `close()` writes the pending aggregates
 * (call it before the store closes) and stops the window timer.
 */
export function createNetworkAudit(o: {
  store: { audit: AuditRepo; auditEgress: AuditEgressView };
  publish?: (event: string, payload: NetworkAuditEntry) => void;
  now?: () => number;
  windowMs?: number;
  maxKeys?: { allow: number; deny: number };
  onError?: (err: unknown) => void;
  setTimer?: typeof setInterval;
  clearTimer?: typeof clearInterval;
}) {
  const repo = o.store.audit;
  const view = o.store.auditEgress;
  const now = o.now ?? Date.now;
  const maxKeys = o.maxKeys ?? EGRESS_MAX_KEYS;
  const pending = { allow: new Map<string, Pending>(), deny: new Map<string, Pending>() };
  const overflow = new Map<string, Pending>();
  let closed = false;

  const write = (d: EgressDetail): AuditRow => repo.append({ type: EGRESS_AUDIT_TYPE, actor: `sandbox:${d.session}`, clientIp: null, detail: JSON.stringify(d), now: now() });
  // The event comes from the log's append path, whoever appended the entry.
  const unsubscribe = repo.onAppend((row) => {
    if (row.event_type !== EGRESS_AUDIT_TYPE || !o.publish) return;
    try { o.publish('network.audit.entry', detailEntry(row.id, JSON.parse(row.detail ?? '{}') as EgressDetail)); } catch (err) { o.onError?.(err); }
  });
  const fold = (into: Pending, d: EgressDetail) => {
    if (into.folded++ === 0) into.d.ts = d.ts;
    into.d.bytesUp += d.bytesUp; into.d.bytesDown += d.bytesDown; into.d.durationMs += d.durationMs;
  };
  const flush = () => {
    const sums = [...pending.allow.values(), ...pending.deny.values()].filter((p) => p.folded > 0).map((p) => ({ ...p.d, count: p.folded }));
    for (const p of overflow.values()) sums.push({ ...p.d, count: p.folded });
    pending.allow.clear(); pending.deny.clear(); overflow.clear();
    for (const d of sums) {
      try { write(d); } catch (err) { o.onError?.(err); }
    }
  };
  const timer = (o.setTimer ?? setInterval)(flush, o.windowMs ?? EGRESS_WINDOW_MS);
  timer.unref?.();

  const listEntries = (f: AuditFilter): NetworkAuditEntry[] =>
    view.list({ ...f, hidePrefixes: f.hideChannelSessions ? CHANNEL_SESSION_PREFIXES : undefined }).map(toEntry);

  return {
    /**
     * Counts one request: written as its own entry (returned) when it is the first of its key in
     * this window, else summed into the window's aggregate (returns null).
     */
    record(e: NetworkAuditInput): NetworkAuditEntry | null {
      const d: EgressDetail = {
        ts: Math.floor(e.ts), session: clean(e.sessionKey, 128), domain: clean(e.domain.toLowerCase(), 253),
        port: count(e.port), method: clean(e.method, 16), url: auditUrl(e.url), action: e.action, reason: clean(e.reason, 200),
        bytesUp: count(e.bytesUp), bytesDown: count(e.bytesDown), durationMs: count(e.durationMs),
      };
      // After close (a request finishing during shutdown) nothing would flush an aggregate: write it alone.
      if (!closed) {
        const keys = pending[d.action];
        const key = [d.session, d.method, d.domain, d.port, d.reason].join('\0');
        const seen = keys.get(key);
        if (seen) { fold(seen, d); return null; }
        // Bounded memory and bounded log (invariant 5): past the cap, one sum per action and session kind.
        if (keys.size >= maxKeys[d.action]) {
          const channel = isChannelSession(d.session);
          const ok = `${d.action}\0${channel}`;
          const sum = overflow.get(ok) ?? { d: { ...d, session: channel ? 'channel:(many)' : '(many)', domain: '(many)', method: '(many)', port: 0, url: null, reason: 'more distinct requests than the audit keeps apart in a minute', bytesUp: 0, bytesDown: 0, durationMs: 0 }, folded: 0 };
          overflow.set(ok, sum);
          fold(sum, d);
          return null;
        }
        keys.set(key, { d: { ...d, url: null, bytesUp: 0, bytesDown: 0, durationMs: 0 }, folded: 0 });
      }
      return detailEntry(write(d).id, d);
    },
    /** Newest first. */
    list: listEntries,
    /** The last `n` entries, newest first. */
    tail(n: number, o2: { hideChannelSessions?: boolean } = {}): NetworkAuditEntry[] {
      return listEntries({ limit: n, ...o2 });
    },
    /** Requests and bytes over `[since, until)` (by request start), top domains and sessions by request count. */
    stats(f: { since?: number; until?: number; top?: number; hideChannelSessions?: boolean } = {}): AuditStats {
      return view.stats({ since: f.since, until: f.until, top: f.top ?? 20, hidePrefixes: f.hideChannelSessions ? CHANNEL_SESSION_PREFIXES : undefined });
    },
    /** Writes the aggregates of the current window now. */
    flush,
    close(): void {
      if (closed) return;
      closed = true;
      (o.clearTimer ?? clearInterval)(timer);
      flush();
      unsubscribe();
    },
  };
}
export type NetworkAudit = ReturnType<typeof createNetworkAudit>;
