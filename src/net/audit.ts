/**
 * The network audit log: one row per egress-proxy request, allowed or denied (invariant 9),
 * in SQLite (migration v5 `network_audit`), bounded by a row cap, and published on the event
 * bus as `network.audit.entry`.
 */
import type { Db } from '../store/index.js';
import { CHANNEL_SESSION_PREFIXES } from '../policy/index.js';

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

/** A stored entry as RPC and events show it. */
export interface NetworkAuditEntry extends NetworkAuditInput { id: number }

interface Row { id: number; ts: number; session_key: string; domain: string; port: number; method: string; url: string | null; action: 'allow' | 'deny'; reason: string; bytes_up: number; bytes_down: number; duration_ms: number }

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

export const DEFAULT_MAX_ROWS = 10_000;
/** Longest URL kept; longer ones are cut (the row is evidence, not a replay log). */
const MAX_URL_CHARS = 2048;
const MAX_TEXT_CHARS = 512;

const toEntry = (r: Row): NetworkAuditEntry => ({
  id: r.id, ts: r.ts, sessionKey: r.session_key, domain: r.domain, port: r.port, method: r.method, url: r.url,
  action: r.action, reason: r.reason, bytesUp: r.bytes_up, bytesDown: r.bytes_down, durationMs: r.duration_ms,
});

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);
const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

// Channel sessions, as policy/ defines them (the prefixes hold no LIKE wildcards or quotes).
const HIDE = CHANNEL_SESSION_PREFIXES.map((p) => `session_key NOT LIKE '${p.replace(/[^A-Za-z0-9:-]/g, '')}%'`).join(' AND ');
// Shared WHERE clause: every filter is optional (NULL means "any").
const WHERE = `(@session IS NULL OR session_key = @session) AND (@domain IS NULL OR domain = @domain)
  AND (@action IS NULL OR action = @action) AND (@since IS NULL OR ts >= @since) AND (@until IS NULL OR ts < @until)
  AND (@hide = 0 OR (${HIDE}))`;

/**
 * Creates the audit log over an open database. Rows past `maxRows` are deleted oldest-first in
 * batches of `pruneBatch` (default a tenth of the cap), so the table never holds more than
 * `maxRows` and a busy proxy does not pay for a DELETE per request.
 */
export function createNetworkAudit(o: {
  db: Db;
  publish?: (event: string, payload: NetworkAuditEntry) => void;
  maxRows?: number;
  pruneBatch?: number;
  onError?: (err: unknown) => void;
}) {
  const maxRows = Math.max(1, Math.floor(o.maxRows ?? DEFAULT_MAX_ROWS));
  const batch = Math.min(maxRows, Math.max(1, Math.floor(o.pruneBatch ?? Math.ceil(maxRows / 10))));
  // Over the cap, `batch` rows go at once: maxRows + 1 rows → maxRows + 1 - batch.
  const keep = Math.max(1, maxRows + 1 - batch);
  const insert = o.db.prepare(`INSERT INTO network_audit (ts, session_key, domain, port, method, url, action, reason, bytes_up, bytes_down, duration_ms)
    VALUES (@ts, @session_key, @domain, @port, @method, @url, @action, @reason, @bytes_up, @bytes_down, @duration_ms)`);
  const countAll = o.db.prepare('SELECT COUNT(*) AS n FROM network_audit');
  const prune = o.db.prepare('DELETE FROM network_audit WHERE id < (SELECT id FROM network_audit ORDER BY id DESC LIMIT 1 OFFSET ?)');
  const list = o.db.prepare(`SELECT * FROM network_audit WHERE ${WHERE} AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit`);
  const totals = o.db.prepare(`SELECT COUNT(*) AS total, COALESCE(SUM(action = 'allow'), 0) AS allow, COALESCE(SUM(action = 'deny'), 0) AS deny,
    COALESCE(SUM(bytes_up), 0) AS bytesUp, COALESCE(SUM(bytes_down), 0) AS bytesDown FROM network_audit WHERE ${WHERE}`);
  const byDomain = o.db.prepare(`SELECT domain, COUNT(*) AS count, SUM(action = 'allow') AS allow, SUM(action = 'deny') AS deny
    FROM network_audit WHERE ${WHERE} GROUP BY domain ORDER BY count DESC, domain LIMIT @top`);
  const bySession = o.db.prepare(`SELECT session_key AS sessionKey, COUNT(*) AS count, SUM(action = 'deny') AS deny
    FROM network_audit WHERE ${WHERE} GROUP BY session_key ORDER BY count DESC, session_key LIMIT @top`);
  // Counted once, then tracked: the cap check costs nothing per insert.
  let rows = (countAll.get() as { n: number }).n;

  const params = (f: Partial<AuditFilter>) => ({
    session: f.session ?? null, domain: f.domain?.toLowerCase() ?? null, action: f.action ?? null,
    since: f.since ?? null, until: f.until ?? null, hide: f.hideChannelSessions ? 1 : 0,
  });

  const listEntries = (f: AuditFilter): NetworkAuditEntry[] =>
    (list.all({ ...params(f), before: f.before ?? null, limit: f.limit }) as Row[]).map(toEntry);

  return {
    /** Stores one entry, prunes past the cap, publishes it; returns the stored entry. */
    record(e: NetworkAuditInput): NetworkAuditEntry {
      const row = {
        ts: Math.floor(e.ts), session_key: clip(e.sessionKey, MAX_TEXT_CHARS), domain: clip(e.domain.toLowerCase(), 255),
        port: count(e.port), method: clip(e.method, 32), url: e.url === null ? null : clip(e.url, MAX_URL_CHARS),
        action: e.action, reason: clip(e.reason, MAX_TEXT_CHARS),
        bytes_up: count(e.bytesUp), bytes_down: count(e.bytesDown), duration_ms: count(e.durationMs),
      };
      const id = Number(insert.run(row).lastInsertRowid);
      rows++;
      if (rows > maxRows) {
        prune.run(keep - 1);
        rows = (countAll.get() as { n: number }).n;
      }
      const entry = toEntry({ id, ...row });
      try { o.publish?.('network.audit.entry', entry); } catch (err) { o.onError?.(err); }
      return entry;
    },
    /** Newest first. */
    list: listEntries,
    /** The last `n` entries, newest first. */
    tail(n: number, o2: { hideChannelSessions?: boolean } = {}): NetworkAuditEntry[] {
      return listEntries({ limit: n, ...o2 });
    },
    /** Counts and bytes over `[since, until)`, top domains and sessions by request count. */
    stats(f: { since?: number; until?: number; top?: number; hideChannelSessions?: boolean } = {}): AuditStats {
      const p = { ...params(f), top: f.top ?? 20 };
      const t = totals.get(p) as Omit<AuditStats, 'topDomains' | 'sessions'>;
      return { ...t, topDomains: byDomain.all(p) as AuditStats['topDomains'], sessions: bySession.all(p) as AuditStats['sessions'] };
    },
    /** Rows currently stored. */
    size: (): number => rows,
    close(): void {},
  };
}
export type NetworkAudit = ReturnType<typeof createNetworkAudit>;
