/**
 * Start-up time to the first answered request: spawn a server child on a known free port and
 * poll `GET /health` on fresh connections every 2 ms until it answers 200.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type Children } from './children.js';

/** One GET on a new connection; resolves with the status or null if nothing answered. */
function probe(port: number, tls: boolean, bearer?: string): Promise<number | null> {
  return new Promise((resolve) => {
    // With a key: an authenticated `health` RPC (the gate, the key lookup and the dispatcher all ran).
    const opts = bearer
      ? { host: '127.0.0.1', port, path: '/api/rpc', method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, agent: false as const, timeout: 1000 }
      : { host: '127.0.0.1', port, path: '/health', agent: false as const, timeout: 1000 };
    // The gateway's certificate is issued by its own fresh CA; only reachability is measured here.
    const req = tls ? httpsRequest({ ...opts, rejectUnauthorized: false }) : httpRequest(opts);
    req.once('response', (res) => { res.resume(); resolve(res.statusCode ?? null); });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(null));
    req.end(bearer ? '{"method":"health"}' : undefined);
  });
}

export interface StartupSpec {
  /** Node arguments for a child listening on `port`. */
  args: (port: number) => string[];
  env?: Record<string, string>;
  tls: boolean;
  /** An API key: poll with an authenticated `health` RPC instead of the anonymous `/health`. */
  bearer?: string;
}

/** Milliseconds from spawn to the first 200 from `/health`; the child is stopped before returning. */
export async function timeToHealth(children: Children, spec: StartupSpec, timeoutMs = 15_000): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = children.start(spec.args(port), spec.env ?? {});
  try {
    let exitedEarly = false;
    void child.exited.then(() => { exitedEarly = true; });
    let last: number | null = null;
    while (performance.now() - t0 < timeoutMs) {
      if (exitedEarly) throw new Error(`server exited during start-up:\n${child.lines.join('\n')}`);
      last = await probe(port, spec.tls, spec.bearer);
      if (last === 200) return performance.now() - t0;
      await sleep(2);
    }
    throw new Error(`no 200 from ${spec.bearer ? 'an authenticated health call' : '/health'} on port ${port} within ${timeoutMs} ms (last status ${last}); child said:\n${child.lines.join('\n')}`);
  } finally {
    await children.stop(child);
  }
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
