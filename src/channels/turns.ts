/**
 * Agent turns for channel messages: one at a time per session (messages of one chat are answered
 * in order), a bounded queue per account, and the reply read from the `chat` events of the run.
 */
import type { TurnContext } from '../agent/index.js';
import type { EventBus } from '../events/index.js';

/** What the channels need from the agent. */
export interface AgentPort {
  send(p: { sessionKey: string; text: string }, ctx: TurnContext): { runId: string };
  abort(p: { runId?: string; sessionKey?: string }): { aborted: number };
}

/** How a turn ended: the answer, an error text, or an abort (nothing to send). */
export type TurnResult = { state: 'final'; text: string } | { state: 'error'; text: string } | { state: 'aborted' };

/** Creates the turn queue. `onError` hears about failed jobs (they never throw further). */
export function createTurns(d: { agent: AgentPort; bus: EventBus; maxQueuedPerAccount: number; onError: (err: unknown) => void }) {
  const waiters = new Map<string, (r: TurnResult) => void>();
  const queued = new Map<string, number>();
  const chains = new Map<string, Promise<void>>();
  let closed = false;

  const stop = d.bus.subscribe(({ event, payload }) => {
    if (event !== 'chat') return;
    const p = payload as { runId?: unknown; state?: unknown; text?: unknown; aborted?: unknown };
    if (typeof p.runId !== 'string' || (p.state !== 'final' && p.state !== 'error')) return;
    const w = waiters.get(p.runId);
    if (!w) return;
    waiters.delete(p.runId);
    const text = typeof p.text === 'string' ? p.text : '';
    w(p.aborted === true ? { state: 'aborted' } : p.state === 'final' ? { state: 'final', text } : { state: 'error', text });
  });

  return {
    /**
     * Queues `job` behind earlier jobs of the same session. False when the account's queue is
     * full or the gateway is closing (the caller tells the sender).
     */
    enqueue(accountKey: string, sessionKey: string, job: () => Promise<void>): boolean {
      const n = queued.get(accountKey) ?? 0;
      // Fail closed: a full queue refuses the message rather than buffering without bound.
      if (closed || n >= d.maxQueuedPerAccount) return false;
      queued.set(accountKey, n + 1);
      const next: Promise<void> = (chains.get(sessionKey) ?? Promise.resolve())
        .then(() => (closed ? undefined : job()))
        .catch(d.onError)
        .finally(() => {
          const left = (queued.get(accountKey) ?? 1) - 1;
          if (left <= 0) queued.delete(accountKey); else queued.set(accountKey, left);
          if (chains.get(sessionKey) === next) chains.delete(sessionKey);
        });
      chains.set(sessionKey, next);
      return true;
    },
    /** Runs one turn and resolves with how it ended. Throws what `agent.send` throws (busy, …). */
    run(sessionKey: string, text: string, ctx: TurnContext): Promise<TurnResult> {
      if (closed) return Promise.resolve({ state: 'aborted' });
      const { runId } = d.agent.send({ sessionKey, text }, ctx);
      // The run starts on the next tick, so the waiter is in place before its first event.
      return new Promise((resolve) => waiters.set(runId, resolve));
    },
    queued: (accountKey: string) => queued.get(accountKey) ?? 0,
    /** Stops taking work and releases every waiter (their turns are aborted by the agent's close). */
    async close(): Promise<void> {
      closed = true;
      stop();
      for (const w of waiters.values()) w({ state: 'aborted' });
      waiters.clear();
      await Promise.race([Promise.allSettled([...chains.values()]), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
export type Turns = ReturnType<typeof createTurns>;
