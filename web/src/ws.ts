/**
 * The gateway WebSocket client (protocol v4): `connect` handshake authenticated by the session
 * cookie (same origin), explicit `subscribe`, request/response by id, events to listeners.
 */

/** A frame from the server. */
export interface Frame { type: string; id?: string; ok?: boolean; payload?: any; error?: { code: string; message: string }; event?: string; seq?: number }
type Listener = (event: string, payload: any) => void;

/** Events the chat screen needs. */
export const CHAT_EVENTS = ['chat', 'agent', 'sessions.changed', 'providers.changed', 'exec.approval.requested', 'exec.approval.resolved', 'vault.status'];

/** One connection; `connect()` resolves after `hello-ok` and the subscription. */
export class Gateway {
  private ws: WebSocket | null = null;
  private n = 0;
  private pending = new Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  private listeners = new Set<Listener>();
  scopes: string[] = [];
  /** The largest frame the server accepts (hello-ok `policy.maxPayload`). */
  maxPayload = 512 * 1024;
  onClose: ((code: number, reason: string) => void) | null = null;

  /** Connects and subscribes to `events` (default: what the chat screen needs). */
  async connect(events: string[] = CHAT_EVENTS): Promise<void> {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('could not open the WebSocket'));
    });
    ws.onmessage = (m) => this.frame(JSON.parse(String(m.data)) as Frame);
    ws.onclose = (e) => {
      for (const p of this.pending.values()) p.reject(new Error('connection closed'));
      this.pending.clear();
      this.onClose?.(e.code, e.reason);
    };
    const hello = await this.request('connect', {
      protocol: { min: 4, max: 4 },
      client: { id: 'moltis-web', version: '1.0.0', platform: 'web', mode: 'operator' },
    });
    this.scopes = (hello as { auth?: { scopes?: string[] } }).auth?.scopes ?? [];
    this.maxPayload = (hello as { policy?: { maxPayload?: number } }).policy?.maxPayload ?? this.maxPayload;
    await this.request('subscribe', { events });
  }

  private frame(f: Frame): void {
    if (f.type === 'res' && f.id) {
      const p = this.pending.get(f.id);
      if (!p) return;
      this.pending.delete(f.id);
      if (f.ok) p.resolve(f);
      else p.reject(Object.assign(new Error(f.error?.message ?? 'request failed'), { code: f.error?.code }));
    } else if (f.type === 'event' && f.event) {
      for (const l of this.listeners) l(f.event, f.payload);
    }
  }

  /** Bytes a request would take on the wire (to check against {@link maxPayload} before sending). */
  static frameBytes(method: string, params: unknown): number {
    return new TextEncoder().encode(JSON.stringify({ type: 'req', id: 'w0000000', method, params })).length;
  }

  /** Sends a request; resolves with its payload, rejects with the server's error. */
  request<T = any>(method: string, params?: unknown): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'));
    const id = `w${++this.n}`;
    return new Promise<Frame>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ type: 'req', id, method, ...(params === undefined ? {} : { params }) }));
    }).then((f) => f.payload as T);
  }

  /** Adds an event listener; returns its remover. */
  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  close(): void {
    this.onClose = null;
    this.ws?.close();
  }
}
