/**
 * A closed-loop HTTP/1.1 load client on raw keep-alive sockets: N connections, one request in
 * flight on each, for a warm-up then a fixed measuring window. Raw sockets with a minimal
 * response parser (like autocannon) keep the client cheap, so on a small machine the server and
 * not the client sets the ceiling; the same client drives the gateway and the baseline.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  /** Responses per second inside the measuring window. */
  rate: number;
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface HttpLoadOptions {
  port: number;
  /** The complete request bytes (headers and body), sent as is for every request. */
  request: Buffer;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Is this response a success? Failures count as errors, not as throughput. */
  ok: (status: number, body: Buffer) => boolean;
}

/** Records latencies into a fixed buffer (bounded memory however long the run). */
export function createLatencies(max = 2_000_000) {
  const buf = new Float64Array(max);
  let n = 0;
  return {
    add(ms: number) { if (n < max) buf[n++] = ms; },
    percentile(p: number): number {
      if (n === 0) return NaN;
      const s = buf.subarray(0, n).sort();
      return s[Math.min(n - 1, Math.floor((p / 100) * n))]!;
    },
  };
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Runs the load; resolves after the window closes and in-flight requests drain (bounded). */
export function httpLoad(o: HttpLoadOptions): Promise<LoadResult> {
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const stopAt = measureFrom + o.durationMs;
  const lat = createLatencies();
  let count = 0;
  let errors = 0;
  let open = 0;
  const sockets = new Set<Socket>();

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      for (const s of sockets) s.destroy();
      const secs = (Math.min(performance.now(), stopAt) - measureFrom) / 1000;
      resolve({ rate: count / secs, count, errors, p50Ms: lat.percentile(50), p99Ms: lat.percentile(99) });
    };
    // Never wait more than 2 s for stragglers after the window.
    const guard = setTimeout(finish, o.warmupMs + o.durationMs + 2000);

    const openConnection = () => {
      if (performance.now() >= stopAt) { if (open === 0) finish(); return; }
      open++;
      const s = connect({ host: '127.0.0.1', port: o.port, noDelay: true });
      sockets.add(s);
      let buf: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => { sentAt = performance.now(); s.write(o.request); };
      s.once('connect', send);
      s.on('data', (d: Buffer) => {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        for (;;) {
          const he = buf.indexOf(HEADER_END);
          if (he < 0) return;
          const head = buf.toString('latin1', 0, he);
          const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          // The client only speaks Content-Length bodies; anything else would be miscounted.
          if (!cl) { errors++; s.destroy(); return; }
          const end = he + 4 + Number(cl[1]);
          if (buf.length < end) return;
          const status = Number(head.slice(9, 12));
          const body = buf.subarray(he + 4, end);
          buf = buf.subarray(end);
          const now = performance.now();
          if (now >= measureFrom && now <= stopAt) {
            if (o.ok(status, body)) { count++; lat.add(now - sentAt); } else errors++;
          }
          if (now < stopAt) send(); else { s.end(); return; }
        }
      });
      s.on('error', () => { if (performance.now() < stopAt) errors++; });
      s.on('close', () => { sockets.delete(s); open--; openConnection(); });
    };
    for (let i = 0; i < o.connections; i++) openConnection();
  });
}

/** The request bytes for `POST path` with a JSON body and extra headers. */
export function postRequest(port: number, path: string, body: string, headers: Record<string, string>): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
