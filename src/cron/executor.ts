/**
 * Runs a firing as an agent turn and waits for its end: the job's own session `cron:<id>`, the
 * job's scopes and run identity (so revoking the creator aborts it), origin "cron".
 */
import type { Agent } from '../agent/index.js';
import type { EventBus } from '../events/index.js';
import type { ChatSessionsRepo } from '../store/index.js';
import type { ExecuteRequest, ExecuteResult } from './firing.js';

/** The executor the scheduler calls (built by the composition root). */
export function agentExecutor(d: { agent: Pick<Agent, 'send' | 'abort'>; bus: EventBus; sessions: ChatSessionsRepo; now: () => number }) {
  return (r: ExecuteRequest): Promise<ExecuteResult> => new Promise((resolve) => {
    if (!d.sessions.get(r.sessionKey)) {
      d.sessions.create({ key: r.sessionKey, label: `cron: ${r.jobName}`.slice(0, 200), now: d.now() });
      d.bus.publish('sessions.changed', { kind: 'created', key: r.sessionKey });
    }
    // The job's model, or the default when it names none (a changed payload takes effect here).
    d.sessions.setModel(r.sessionKey, r.model ?? null, d.now());
    let runId: string | null = null;
    const onAbort = () => { if (runId) d.agent.abort({ runId }); };
    const unsubscribe = d.bus.subscribe(({ event, payload }) => {
      if (event !== 'chat' || runId === null) return;
      const p = payload as { runId?: string; state?: string; text?: string; aborted?: boolean };
      if (p.runId !== runId || (p.state !== 'final' && p.state !== 'error')) return;
      done(p.state === 'final' && !p.aborted ? { status: 'ok', output: p.text ?? '', runId } : { status: 'error', error: p.state === 'error' ? p.text ?? 'turn failed' : 'aborted', output: p.text ?? '', runId });
    });
    const done = (res: ExecuteResult) => { unsubscribe(); r.signal.removeEventListener('abort', onAbort); resolve(res); };
    try {
      // Events start after this returns (the agent defers the turn), so none is missed.
      runId = d.agent.send({ sessionKey: r.sessionKey, text: r.text }, { scopes: r.scopes, origin: 'cron', ...(r.identity ? { identity: r.identity } : {}) }).runId;
    } catch (err) {
      done({ status: 'error', error: (err as Error).message });
      return;
    }
    if (r.signal.aborted) onAbort();
    else r.signal.addEventListener('abort', onAbort, { once: true });
  });
}
