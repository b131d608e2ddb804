import type { Db } from '../db.js';

/** Audit type of egress-proxy requests; their detail is an {@link EgressDetail} as JSON. */
export const EGRESS_AUDIT_TYPE = 'network.egress';

/**
 * What an egress entry's detail holds. `count` is present (> 1) on an aggregate of repeated
 * requests; its bytes and duration are the sums, `ts` the first request's start.
 */
export interface EgressDetail {
  ts: number; session: string; domain: string; port: number; method: string; url: string | null;
  action: 'allow' | 'deny'; reason: string; bytesUp: number; bytesDown: number; durationMs: number; count?: number;
}

/** One egress entry as the listing reads it back (`id` is the audit sequence number). */
export interface EgressRow {
  id: number; ts: number; session_key: string; domain: string; port: number; method: string; url: string | null;
  action: 'allow' | 'deny'; reason: string; bytes_up: number; bytes_down: number; duration_ms: number; n: number;
}

/** Filters (all optional). `hidePrefixes`: leave out sessions whose key starts with one of these. */
export interface EgressFilter {
  session?: string | undefined; domain?: string | undefined; action?: 'allow' | 'deny' | undefined;
  since?: number | undefined; until?: number | undefined; hidePrefixes?: readonly string[] | undefined;
}

// Egress entries of the one audit log, as columns. json_valid: a forged non-JSON detail (only
// someone holding the file can write one, and `audit verify` names it) cannot break the listing.
const EGRESS = `SELECT id, json_extract(detail, '$.ts') AS ts, json_extract(detail, '$.session') AS session_key,
    json_extract(detail, '$.domain') AS domain, json_extract(detail, '$.port') AS port, json_extract(detail, '$.method') AS method,
    json_extract(detail, '$.url') AS url, json_extract(detail, '$.action') AS action, json_extract(detail, '$.reason') AS reason,
    json_extract(detail, '$.bytesUp') AS bytes_up, json_extract(detail, '$.bytesDown') AS bytes_down,
    json_extract(detail, '$.durationMs') AS duration_ms, COALESCE(json_extract(detail, '$.count'), 1) AS n
  FROM auth_audit_log WHERE event_type = '${EGRESS_AUDIT_TYPE}' AND json_valid(detail)`;
const WHERE = `(@session IS NULL OR session_key = @session) AND (@domain IS NULL OR domain = @domain)
  AND (@action IS NULL OR action = @action) AND (@since IS NULL OR ts >= @since) AND (@until IS NULL OR ts < @until)
  AND (@hide IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(@hide) h WHERE substr(session_key, 1, length(h.value)) = h.value))`;
const SUMS = `COALESCE(SUM(n), 0) AS count, COALESCE(SUM(CASE WHEN action = 'allow' THEN n ELSE 0 END), 0) AS allow,
  COALESCE(SUM(CASE WHEN action = 'deny' THEN n ELSE 0 END), 0) AS deny`;

/**
 * Read-only queries over the egress entries of the audit log (the network audit RPC's view).
 * Counts are request counts: an aggregate entry counts as its `count`.
 */
export function createAuditEgressView(db: Db) {
  const list = db.prepare(`WITH e AS (${EGRESS}) SELECT * FROM e WHERE ${WHERE} AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit`);
  const totals = db.prepare(`WITH e AS (${EGRESS}) SELECT ${SUMS}, COALESCE(SUM(bytes_up), 0) AS bytesUp, COALESCE(SUM(bytes_down), 0) AS bytesDown FROM e WHERE ${WHERE}`);
  const byDomain = db.prepare(`WITH e AS (${EGRESS}) SELECT domain, ${SUMS} FROM e WHERE ${WHERE} GROUP BY domain ORDER BY count DESC, domain LIMIT @top`);
  const bySession = db.prepare(`WITH e AS (${EGRESS}) SELECT session_key AS sessionKey, COALESCE(SUM(n), 0) AS count,
    COALESCE(SUM(CASE WHEN action = 'deny' THEN n ELSE 0 END), 0) AS deny FROM e WHERE ${WHERE} GROUP BY session_key ORDER BY count DESC, session_key LIMIT @top`);
  const params = (f: EgressFilter) => ({
    session: f.session ?? null, domain: f.domain?.toLowerCase() ?? null, action: f.action ?? null,
    since: f.since ?? null, until: f.until ?? null, hide: f.hidePrefixes?.length ? JSON.stringify(f.hidePrefixes) : null,
  });
  return {
    /** Newest first; `before` pages backwards by id. */
    list: (f: EgressFilter & { before?: number | undefined; limit: number }): EgressRow[] =>
      list.all({ ...params(f), before: f.before ?? null, limit: f.limit }) as EgressRow[],
    /** Request and byte totals, top domains and sessions by request count. */
    stats(f: EgressFilter & { top: number }) {
      const p = { ...params(f), top: f.top };
      const t = totals.get(p) as { count: number; allow: number; deny: number; bytesUp: number; bytesDown: number };
      return {
        total: t.count, allow: t.allow, deny: t.deny, bytesUp: t.bytesUp, bytesDown: t.bytesDown,
        topDomains: byDomain.all(p) as Array<{ domain: string; count: number; allow: number; deny: number }>,
        sessions: bySession.all(p) as Array<{ sessionKey: string; count: number; deny: number }>,
      };
    },
  };
}
export type AuditEgressView = ReturnType<typeof createAuditEgressView>;
