/**
 * In-process event bus. Security events (audit rows, credential revocations) and, later, agent
 * events are published here; the WebSocket layer forwards them to clients allowed to see them.
 */
export interface BusEvent<T = unknown> { event: string; payload: T }
export type Listener = (e: BusEvent) => void;

/** Creates an event bus. A throwing listener is isolated: it never stops delivery to others. */
export function createEventBus(opts: { onListenerError?: (err: unknown, event: string) => void } = {}) {
  const listeners = new Set<Listener>();
  return {
    publish<T>(event: string, payload: T): void {
      for (const l of [...listeners]) {
        try { l({ event, payload }); } catch (err) { opts.onListenerError?.(err, event); }
      }
    },
    subscribe(l: Listener): () => void {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    close(): void { listeners.clear(); },
  };
}
export type EventBus = ReturnType<typeof createEventBus>;
