/**
 * Slack Events API request checks, in the original's order after the account lookup: signature
 * headers present (400) → `v0` HMAC-SHA256 over `v0:<ts>:<raw body>`, compared in constant time
 * (401) → timestamp within 300 s either way (401). Then retries are de-duplicated by id.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export { createDedupe } from '../dedupe.js';

/** Slack's replay window. */
export const SLACK_MAX_SKEW_S = 300;

/** A request refused before its body is trusted. */
export interface Refused { status: 400 | 401; error: string }

/** Checks the signature and the timestamp of a raw callback body; null when it is genuine. */
export function verifySlackRequest(o: { signingSecret: string; headers: Record<string, string | string[] | undefined>; rawBody: Buffer; nowMs: number }): Refused | null {
  const ts = o.headers['x-slack-request-timestamp'];
  const sig = o.headers['x-slack-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string') return { status: 400, error: 'missing x-slack-request-timestamp or x-slack-signature' };
  const expected = `v0=${createHmac('sha256', o.signingSecret).update(`v0:${ts}:`).update(o.rawBody).digest('hex')}`;
  const a = Buffer.from(sig);
  const b = Buffer.from(expected);
  // Constant time over equal lengths; a different length is a mismatch (and leaks only the length).
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { status: 401, error: 'invalid signature' };
  const t = /^\d{1,12}$/.test(ts) ? Number(ts) : NaN;
  // A replayed (or far-future) request is refused even with a valid signature.
  if (!Number.isFinite(t) || Math.abs(o.nowMs / 1000 - t) > SLACK_MAX_SKEW_S) return { status: 401, error: 'stale or future timestamp' };
  return null;
}
