/**
 * A small WebSocket client speaking the gateway protocol, for system tests.
 */
import WebSocket from 'ws';

export interface Frame { type: string; id?: string; ok?: boolean; payload?: any; error?: { code: string; message: string }; event?: string }

export class WsClient {
  readonly frames: Frame[] = [];
  private waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  closed: Promise<{ code: number; reason: string }>;
  private n = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      this.frames.push(f);
      for (const w of [...this.waiters]) if (w.pred(f)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(f); }
    });
    this.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
  }

  /** Opens a socket; resolves once open, rejects with the HTTP status on a refused upgrade. */
  static open(url: string, headers: Record<string, string> = {}, opts: WebSocket.ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, ...opts });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', (e) => reject(e));
    });
  }

  next(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for frame')), timeoutMs);
      this.waiters.push({ pred, resolve: (f) => { clearTimeout(t); resolve(f); } });
    });
  }

  send(frame: unknown): void { this.ws.send(JSON.stringify(frame)); }

  async request(method: string, params?: unknown): Promise<Frame> {
    const id = `r${++this.n}`;
    this.send({ type: 'req', id, method, params });
    return this.next((f) => f.type === 'res' && f.id === id);
  }

  /** Sends the v4 `connect` frame; returns its response. */
  connect(auth?: Record<string, string>): Promise<Frame> {
    return this.request('connect', { protocol: { min: 3, max: 4 }, client: { id: 'test', version: '1.0.0', platform: 'node', mode: 'operator' }, ...(auth ? { auth } : {}) });
  }

  close(): void { this.ws.close(); }
}

/** ws:// URL for a server URL and path. */
export function wsUrl(serverUrl: string, path = '/ws'): string {
  return serverUrl.replace(/^http/, 'ws') + path;
}
