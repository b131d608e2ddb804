import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../crypto/index.js';

/** What the approver decided. `modify` carries the command to run instead (re-checked by the caller). */
export type ApprovalOutcome =
  | { decision: 'approve'; command: string }
  | { decision: 'deny'; reason: string }
  | { decision: 'modify'; command: string };

/** A request as shown to approvers. */
export interface ApprovalRequest { requestId: string; sessionKey: string; command: string; reason: string; rule: string | null; expiresAt: number }

/** A refused resolve; `code` maps to a protocol error. */
export class ApprovalError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'INVALID_REQUEST' | 'UNAVAILABLE', message: string) { super(message); }
}

interface Entry extends ApprovalRequest { hash: string; settle: (o: ApprovalOutcome) => void; timer: NodeJS.Timeout }

/** Caps attacker-driven state (invariant 5): requests waiting, and remembered commands per session. */
export const MAX_PENDING = 256;
export const MAX_REMEMBERED_PER_SESSION = 256;

/**
 * Pending approvals (invariant 6): each request is single-use, typed, expiring, and bound to the
 * session and the exact command (by hash) it was issued for. Silence is a denial.
 * "Remember for this session" covers that exact command in that session only — never process-wide.
 */
export function createApprovals(o: {
  now: () => number;
  timeoutMs: number;
  publish: (event: 'exec.approval.requested' | 'exec.approval.resolved', payload: unknown) => void;
  audit: (type: string, detail: string) => void;
}) {
  const pending = new Map<string, Entry>();
  const remembered = new Map<string, Set<string>>();

  function finish(e: Entry, outcome: ApprovalOutcome, by: string): void {
    if (!pending.delete(e.requestId)) return; // single use: the first answer wins
    clearTimeout(e.timer);
    const decision = outcome.decision;
    o.audit(`approval_${decision === 'approve' ? 'approved' : decision === 'deny' ? 'denied' : 'modified'}`, `request=${e.requestId} session=${e.sessionKey} by=${by} command=${JSON.stringify(e.command)}${outcome.decision === 'modify' ? ` new=${JSON.stringify(outcome.command)}` : ''}`);
    o.publish('exec.approval.resolved', { requestId: e.requestId, sessionKey: e.sessionKey, decision, by });
    e.settle(outcome);
  }

  return {
    /** Did the owner say "remember for this session" for exactly this command? */
    isRemembered(sessionKey: string, command: string): boolean {
      return remembered.get(sessionKey)?.has(sha256Hex(command)) ?? false;
    },

    /** Asks the approvers; resolves with their answer, or a denial on timeout or when full. */
    request(r: { sessionKey: string; command: string; reason: string; rule: string | null; signal?: AbortSignal }): { requestId: string; outcome: Promise<ApprovalOutcome> } {
      const requestId = randomUUID();
      if (pending.size >= MAX_PENDING) {
        // Fail closed: no room to ask means no.
        o.audit('approval_denied', `request=${requestId} session=${r.sessionKey} by=capacity`);
        return { requestId, outcome: Promise.resolve({ decision: 'deny', reason: 'too many approval requests are waiting' }) };
      }
      const expiresAt = o.now() + o.timeoutMs;
      let settle!: (x: ApprovalOutcome) => void;
      const outcome = new Promise<ApprovalOutcome>((res) => { settle = res; });
      const e: Entry = {
        requestId, sessionKey: r.sessionKey, command: r.command, reason: r.reason, rule: r.rule, expiresAt,
        hash: sha256Hex(r.command), settle,
        timer: setTimeout(() => finish(e, { decision: 'deny', reason: `no answer within ${Math.round(o.timeoutMs / 1000)}s` }, 'timeout'), o.timeoutMs),
      };
      e.timer.unref();
      pending.set(requestId, e);
      r.signal?.addEventListener('abort', () => finish(e, { decision: 'deny', reason: 'the turn was aborted' }, 'abort'), { once: true });
      o.audit('approval_requested', `request=${requestId} session=${r.sessionKey} rule=${r.rule ?? '-'} command=${JSON.stringify(r.command)}`);
      o.publish('exec.approval.requested', { requestId, sessionKey: r.sessionKey, command: r.command, reason: r.reason, ...(r.rule ? { rule: r.rule } : {}), expiresAt });
      return { requestId, outcome };
    },

    /** An approver's answer. Unknown, expired or already-used ids are errors. */
    resolve(p: { requestId: string; decision: 'approve' | 'deny' | 'modify'; command?: string; remember?: 'session' }, by: string): { ok: true } {
      const e = pending.get(p.requestId);
      if (!e || o.now() >= e.expiresAt) throw new ApprovalError('NOT_FOUND', `no pending approval ${p.requestId} (unknown, expired or already answered)`);
      if (p.decision === 'modify') {
        if (typeof p.command !== 'string' || p.command.trim() === '') throw new ApprovalError('INVALID_REQUEST', 'modify needs the new command');
        finish(e, { decision: 'modify', command: p.command }, by);
        return { ok: true };
      }
      if (p.decision === 'approve' && p.remember === 'session') {
        const set = remembered.get(e.sessionKey) ?? new Set<string>();
        if (set.size < MAX_REMEMBERED_PER_SESSION) set.add(e.hash);
        remembered.set(e.sessionKey, set);
      }
      finish(e, p.decision === 'approve' ? { decision: 'approve', command: e.command } : { decision: 'deny', reason: 'denied by the approver' }, by);
      return { ok: true };
    },

    list(): ApprovalRequest[] {
      return [...pending.values()].map(({ requestId, sessionKey, command, reason, rule, expiresAt }) => ({ requestId, sessionKey, command, reason, rule, expiresAt }));
    },
    /** Forgets a session's remembered commands (session deleted). */
    forgetSession(sessionKey: string): void { remembered.delete(sessionKey); },
    close(): void { for (const e of [...pending.values()]) finish(e, { decision: 'deny', reason: 'the gateway is shutting down' }, 'shutdown'); },
  };
}
export type Approvals = ReturnType<typeof createApprovals>;
