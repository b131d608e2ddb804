/**
 * A WebSocket request/response load client: S sockets, each keeping K request frames in
 * flight, for a warm-up then a fixed measuring window. Each socket first sends the gateway's
 * `connect` frame and waits for a successful answer; the bare baseline answers it too, so one
 * client drives both.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createLatencies, type LoadResult } from './load-result.js';

export interface WsLoadOptions {
  url: string;
  /** The first frame on every socket; its response must be `ok: true`. */
  connectFrame: string;
  /** The request method sent in every timed frame. */
  method: string;
  sockets: number;
  inFlight: number;
  warmupMs: number;
  durationMs: number;
}

interface Res { type?: string; id?: string; ok?: boolean }

function openSocket(url: string, connectFrame: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const t = setTimeout(() => { ws.terminate(); reject(new Error(`no connect answer from ${url} within ${timeoutMs} ms`)); }, timeoutMs);
    ws.once('unexpected-response', (_req, res) => { clearTimeout(t); ws.terminate(); reject(new Error(`upgrade refused: ${res.statusCode}`)); });
    ws.once('error', (e) => { clearTimeout(t); reject(e); });
    ws.once('open', () => ws.send(connectFrame));
    ws.once('message', (d) => {
      clearTimeout(t);
      const f = JSON.parse(String(d)) as Res;
      if (f.ok === true) resolve(ws);
      else { ws.terminate(); reject(new Error(`connect refused: ${String(d)}`)); }
    });
  });
}

/** Runs the load; all sockets are closed before it resolves. */
export async function wsLoad(o: WsLoadOptions): Promise<LoadResult> {
  const sockets = await Promise.all(Array.from({ length: o.sockets }, () => openSocket(o.url, o.connectFrame, 5000)));
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const stopAt = measureFrom + o.durationMs;
  const lat = createLatencies();
  let count = 0;
  let errors = 0;
  let next = 0;

  await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
    const sentAt = new Map<string, number>();
    const send = () => {
      const id = String(next++);
      sentAt.set(id, performance.now());
      ws.send(`{"type":"req","id":"${id}","method":"${o.method}"}`);
    };
    // Bounded: a socket that stops answering is abandoned 2 s after the window.
    const guard = setTimeout(() => { ws.terminate(); resolve(); }, o.warmupMs + o.durationMs + 2000);
    const done = () => { clearTimeout(guard); resolve(); };
    ws.on('message', (d) => {
      const now = performance.now();
      const f = JSON.parse(String(d)) as Res;
      const at = f.id === undefined ? undefined : sentAt.get(f.id);
      if (at === undefined) { errors++; return; }
      sentAt.delete(f.id!);
      if (now >= measureFrom && now <= stopAt) {
        if (f.type === 'res' && f.ok === true) { count++; lat.add(now - at); } else errors++;
      }
      if (now < stopAt) send();
      else if (sentAt.size === 0) ws.close();
    });
    ws.on('close', done);
    ws.on('error', () => { if (performance.now() < stopAt) errors++; });
    for (let i = 0; i < o.inFlight; i++) send();
  })));
  for (const ws of sockets) ws.terminate();
  const secs = (Math.min(performance.now(), stopAt) - measureFrom) / 1000;
  return { rate: count / secs, count, errors, p50Ms: lat.percentile(50), p99Ms: lat.percentile(99) };
}
