/**
 * HTTP load with `wrk` (Debian package `wrk`): a C client on epoll that a Node server cannot
 * outrun, so the server and not the client sets the ceiling. A Node-based client on this 2-core
 * machine saturated first and showed the gateway at 0.95× bare node:http where wrk shows 0.5×.
 * Each server under test runs in its own process; wrk is a third one. A small Lua script sets the
 * method, body and headers; the figures are parsed from wrk's `--latency` report.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load-result.js';

export interface WrkOptions {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers: Record<string, string>;
  connections: number;
  /** wrk threads: one leaves the other core to the server on a 2-core machine. */
  threads: number;
  warmupMs: number;
  durationMs: number;
}

/** Why wrk cannot run here (the section prints `skipped: <reason>`), or null when it can. */
export function wrkMissing(): string | null {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  // `wrk --version` prints its banner and exits 1; only a failed spawn means it is missing.
  return r.error ? 'wrk not installed (apt install wrk)' : null;
}

const luaString = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua literal for ASCII

/** The Lua script that turns every wrk request into `method url` with this body and headers. */
export function wrkScript(o: Pick<WrkOptions, 'method' | 'body' | 'headers'>): string {
  const lines = [`wrk.method = ${luaString(o.method)}`];
  if (o.body !== undefined) lines.push(`wrk.body = ${luaString(o.body)}`);
  for (const [k, v] of Object.entries(o.headers)) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  return `${lines.join('\n')}\n`;
}

/** Milliseconds from a wrk duration (`812.00us`, `1.23ms`, `2.01s`, `1.5m`). */
export function wrkMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** The figures in a wrk `--latency` report; throws when the report has none (wrk failed). */
export function parseWrk(out: string): LoadResult {
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s*(\d+) requests in/m.exec(out);
  if (!rate || !total) throw new Error(`wrk printed no figures: ${out.split('\n').slice(0, 3).join(' / ')}`);
  const pct = (p: string) => { const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out); return m ? wrkMs(m[1]!) : NaN; };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  return { rate: Number(rate[1]), count: Number(total[1]), errors: non2xx + sockErrors, p50Ms: pct('50'), p99Ms: pct('99') };
}

function runWrk(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    // Bounded: wrk ends itself after -d; a wedged one is killed.
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', (e) => { clearTimeout(t); reject(e); });
    p.once('close', (code) => { clearTimeout(t); if (code === 0) resolve(out); else reject(new Error(`wrk exited ${code}: ${out.trim().split('\n')[0] ?? ''}`)); });
  });
}

/** Runs a warm-up (figures discarded), then the measured window. */
export async function wrkLoad(o: WrkOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-wrk-'));
  try {
    const script = join(dir, 'req.lua');
    writeFileSync(script, wrkScript(o));
    const args = (ms: number) => ['-t', String(o.threads), '-c', String(o.connections), '-d', `${Math.max(1, Math.round(ms / 1000))}s`, '--latency', '-s', script, o.url];
    if (o.warmupMs > 0) await runWrk(args(o.warmupMs), o.warmupMs + 10_000);
    return parseWrk(await runWrk(args(o.durationMs), o.durationMs + 10_000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
