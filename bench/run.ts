/**
 * `npm run bench` — the gateway's numbers next to a baseline measured in the same run.
 *
 *   npm run bench                 # full run, ~45 s, prints a markdown table
 *   npm run bench -- --quick      # short windows, 2 start-up runs (a smoke test, noisy)
 *   npm run -s bench -- --json    # the same figures as JSON on stdout (-s: no npm banner)
 *   npm run bench -- --tsx        # run the gateway from src/ under tsx instead of dist/
 *   npm run bench -- --no-build   # never rebuild dist/ (falls back to tsx if it is stale)
 *   npm run bench -- --only sandbox,vault   # only these sections (rest, rss, startup, vault, classifier, audit, sandbox, cron)
 *
 * What is measured (every server is a separate child process on 127.0.0.1; this process is only
 * the load client, so client and server never share an event loop):
 *  1. REST: `POST /api/rpc {"method":"health"}` with `Authorization: Bearer mk_…` (an
 *     `operator.read` key) against `moltis --no-tls`, 32 keep-alive connections with one request
 *     in flight each; baseline: a bare node:http server returning a small JSON body, same client.
 *  2. WebSocket: `health` round-trips on `/ws` after `connect` with `auth.api_key`, 4 sockets ×
 *     16 frames in flight; baseline: a bare `ws` server answering every frame (same package).
 *  3. Idle RSS (VmRSS of the child) 1 s after start + one authenticated request; baseline: the bare
 *     node:http child after one request.
 *  4. Start-up: spawn to the first 200 from `GET /health`, median of N runs, fresh directories
 *     (DB creation, example config; with TLS also CA + leaf generation) and warm restarts;
 *     baseline: the bare node:http (or node:https with the gateway's leaf) child.
 *  5. Vault (in this process): unseal time vs a login password check, encrypt+decrypt of 1 KiB vs
 *     native ChaCha20-Poly1305, secret put+get through SQLite vs plaintext (bench/lib/vault.ts).
 *  6. Commands classified per second by the exec approval classifier vs the bare shell parse, on a
 *     mixed corpus and on the floor's whole test table (bench/lib/classifier.ts).
 *  7. Latency of exec("true") per sandbox backend vs a plain spawn("true") (bench/lib/sandbox.ts).
 *  8. Cron: 1,000 enabled jobs in the real scheduler (SQLite, audit) — RSS beyond idle and firing
 *     delay p99, spread and all at once, each in its own child; baseline: bare setTimeouts (bench/lib/cron.ts).
 *  9. Audit log: durable and batched appends/s with the hash chain vs plain INSERTs, verify vs a
 *     plain read (bench/lib/audit.ts).
 * A section that cannot run on this machine prints `skipped: <reason>` and the rest still runs.
 * The gateway runs as the real CLI (`node dist/cli/main.js --port … --config-dir … --data-dir …`);
 * dist/ is rebuilt first when older than src/. Every phase is bounded in time, a watchdog ends
 * the run after 240 s, and all children are killed on exit, error or Ctrl-C. Not a timed test:
 * nothing here asserts on speed.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createChildren, resolveRuntime, rssMb, type Children, type Runtime } from './lib/children.js';
import { httpLoad, postRequest } from './lib/http-load.js';
import { median, timeToHealth } from './lib/startup.js';
import { wsLoad } from './lib/ws-load.js';
import { printReport, type Row, type Skipped } from './lib/report.js';
import { vaultFigures } from './lib/vault.js';
import { classifierFigures } from './lib/classifier.js';
import { sandboxFigures } from './lib/sandbox.js';
import { cronFigures } from './lib/cron.js';
import { auditFigures } from './lib/audit.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PASSWORD = 'correct horse battery staple';
const LISTENING = /listening on (\S+)/;
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

interface Params { warmupMs: number; durationMs: number; runs: number; connections: number; sockets: number; inFlight: number }

interface Dirs { configDir: string; dataDir: string }
const newDirs = (root: string): Dirs => {
  const d = { configDir: join(root, 'config'), dataDir: join(root, 'data') };
  mkdirSync(root, { recursive: true });
  return d;
};

const gatewayArgs = (rt: Runtime, d: Dirs, port: number, tls: boolean) =>
  [...rt.nodeArgs, rt.cli, '--port', String(port), ...(tls ? [] : ['--no-tls']), '--config-dir', d.configDir, '--data-dir', d.dataDir];
const bareHttp = (rt: Runtime, port = 0) => [...rt.nodeArgs, join(ROOT, 'bench/baseline/http-server.mjs'), String(port)];
const bareWs = (rt: Runtime) => [...rt.nodeArgs, join(ROOT, 'bench/baseline/ws-server.mjs')];

/** Sets the owner password (loopback, tier 2) and creates an `operator.read` key. */
async function provisionKey(url: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const s = await fetch(`${url}/api/auth/setup`, { method: 'POST', headers: json, body: JSON.stringify({ password: PASSWORD }) });
  const cookie = /moltis_session=[^;]*/.exec(s.headers.get('set-cookie') ?? '')?.[0];
  if (s.status !== 200 || !cookie) throw new Error(`password setup failed: ${s.status} ${await s.text()}`);
  const k = await fetch(`${url}/api/auth/api-keys`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ label: 'bench', scopes: ['operator.read'] }) });
  if (k.status !== 200) throw new Error(`api key creation failed: ${k.status} ${await k.text()}`);
  return ((await k.json()) as { key: string }).key;
}

/** One authenticated `health` call; throws unless it succeeds (so the load is not measuring 401s). */
async function rpcHealth(url: string, key: string): Promise<void> {
  const r = await fetch(`${url}/api/rpc`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{"method":"health"}' });
  const b = await r.text();
  if (r.status !== 200 || !b.includes('"ok":true') || b.includes('"ok":false')) throw new Error(`health over REST failed: ${r.status} ${b}`);
}

const RPC_OK = (status: number, body: Buffer) => status === 200 && body.includes('"ok":true') && !body.includes('"ok":false');
const connectFrame = (auth: Record<string, string>) => JSON.stringify({
  type: 'req', id: 'connect', method: 'connect',
  params: { protocol: { min: 3, max: 4 }, client: { id: 'bench', version: '1.0.0', platform: 'node', mode: 'operator' }, auth },
});

async function throughput(children: Children, rt: Runtime, p: Params, tmp: string): Promise<{ rows: Row[]; loadDirs: Dirs; key: string }> {
  const loadDirs = newDirs(join(tmp, 'load'));
  const gw = children.start(gatewayArgs(rt, loadDirs, 0, false));
  const url = (await gw.waitLine(LISTENING, 20_000))[1]!;
  const key = await provisionKey(url);
  await rpcHealth(url, key);
  const bare = children.start(bareHttp(rt));
  const bareUrl = (await bare.waitLine(LISTENING, 10_000))[1]!;
  const bareW = children.start(bareWs(rt));
  const bareWsUrl = (await bareW.waitLine(LISTENING, 10_000))[1]!;

  const port = (u: string) => Number(new URL(u).port);
  const body = '{"method":"health"}';
  const http = (u: string) => httpLoad({
    port: port(u), request: postRequest(port(u), '/api/rpc', body, { Authorization: `Bearer ${key}` }),
    connections: p.connections, warmupMs: p.warmupMs, durationMs: p.durationMs, ok: RPC_OK,
  });
  log(`REST load on the gateway (${p.connections} connections, ${p.warmupMs} + ${p.durationMs} ms)`);
  const gH = await http(url);
  log('REST load on bare node:http');
  const bH = await http(bareUrl);
  const ws = (u: string) => wsLoad({ url: u, connectFrame: connectFrame({ api_key: key }), method: 'health', sockets: p.sockets, inFlight: p.inFlight, warmupMs: p.warmupMs, durationMs: p.durationMs });
  log(`WebSocket load on the gateway (${p.sockets} sockets × ${p.inFlight} in flight)`);
  const gW = await ws(`${url.replace(/^http/, 'ws')}/ws`);
  log('WebSocket load on bare ws');
  const bW = await ws(bareWsUrl);
  await Promise.all([children.stop(gw), children.stop(bare), children.stop(bareW)]);

  return {
    loadDirs, key,
    rows: [
      { figure: `REST \`health\` req/s, Bearer key, ${p.connections} keep-alive conns (vs bare node:http)`, unit: 'req/s', moltis: gH.rate, baseline: bH.rate, errors: gH.errors + bH.errors, digits: 0 },
      { figure: 'REST p99 latency, ms', unit: 'ms', moltis: gH.p99Ms, baseline: bH.p99Ms, digits: 2 },
      { figure: `WS \`health\` round-trips/s, ${p.sockets} sockets × ${p.inFlight} in flight (vs bare ws)`, unit: 'req/s', moltis: gW.rate, baseline: bW.rate, errors: gW.errors + bW.errors, digits: 0 },
      { figure: 'WS p99 latency, ms', unit: 'ms', moltis: gW.p99Ms, baseline: bW.p99Ms, digits: 2 },
    ],
  };
}

/** VmRSS of a fresh child 1 s after it answered one request. */
async function idleRss(children: Children, args: string[], call: (url: string) => Promise<void>): Promise<number> {
  const c = children.start(args);
  try {
    const url = (await c.waitLine(LISTENING, 20_000))[1]!;
    await call(url);
    await sleep(1000);
    const mb = rssMb(c.pid);
    if (mb === null) throw new Error('cannot read child RSS on this platform');
    return mb;
  } finally {
    await children.stop(c);
  }
}

async function startup(children: Children, rt: Runtime, p: Params, tmp: string): Promise<Row[]> {
  const s = { fresh: [] as number[], warm: [] as number[], bare: [] as number[], tlsFresh: [] as number[], tlsWarm: [] as number[], bareTls: [] as number[] };
  let leaf: Dirs | null = null;
  for (let i = 0; i < p.runs; i++) {
    log(`start-up run ${i + 1}/${p.runs}`);
    const d = newDirs(join(tmp, `start-${i}`));
    s.fresh.push(await timeToHealth(children, { args: (port) => gatewayArgs(rt, d, port, false), tls: false }));
    s.warm.push(await timeToHealth(children, { args: (port) => gatewayArgs(rt, d, port, false), tls: false }));
    s.bare.push(await timeToHealth(children, { args: (port) => bareHttp(rt, port), tls: false }));
    const t = newDirs(join(tmp, `start-tls-${i}`));
    s.tlsFresh.push(await timeToHealth(children, { args: (port) => gatewayArgs(rt, t, port, true), tls: true }));
    s.tlsWarm.push(await timeToHealth(children, { args: (port) => gatewayArgs(rt, t, port, true), tls: true }));
    leaf ??= t;
    const certs = join(leaf.configDir, 'certs');
    s.bareTls.push(await timeToHealth(children, { args: (port) => bareHttp(rt, port), env: { BENCH_TLS_CERT: join(certs, 'server.pem'), BENCH_TLS_KEY: join(certs, 'server-key.pem') }, tls: true }));
  }
  const row = (figure: string, m: number[], b: number[]): Row => ({ figure: `${figure}, ms, median of ${p.runs}`, unit: 'ms', moltis: median(m), baseline: median(b), digits: 0 });
  return [
    row('Start-up to first `/health`, fresh dirs, --no-tls (vs bare node:http)', s.fresh, s.bare),
    row('Start-up, warm restart, --no-tls (vs bare node:http)', s.warm, s.bare),
    row('Start-up, fresh dirs, TLS: CA + leaf generated (vs bare node:https)', s.tlsFresh, s.bareTls),
    row('Start-up, warm restart, TLS (vs bare node:https)', s.tlsWarm, s.bareTls),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, tsx: { type: 'boolean' }, 'no-build': { type: 'boolean' }, only: { type: 'string' } } });
  const SECTIONS = ['rest', 'rss', 'startup', 'vault', 'classifier', 'audit', 'sandbox', 'cron'];
  const only = values.only ? values.only.split(',').map((x) => x.trim()).filter(Boolean) : SECTIONS;
  const unknown = only.filter((x) => !SECTIONS.includes(x));
  if (unknown.length) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; pick from ${SECTIONS.join(', ')}`);
  const want = (name: string) => only.includes(name);
  const p: Params = values.quick
    ? { warmupMs: 300, durationMs: 1500, runs: 2, connections: 32, sockets: 4, inFlight: 16 }
    : { warmupMs: 1000, durationMs: 5000, runs: 5, connections: 32, sockets: 4, inFlight: 16 };
  const started = Date.now();
  const rt = resolveRuntime(ROOT, { forceTsx: values.tsx === true, build: values['no-build'] !== true });
  log(`runtime: ${rt.note}`);
  // The children must not inherit the caller's MOLTIS_* settings (config dir, TLS, proxy mode…).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MOLTIS_')));
  const children = createChildren({ cwd: ROOT, env });
  const tmp = mkdtempSync(join(tmpdir(), 'moltis-bench-'));
  const cleanup = () => { children.killAll(); rmSync(tmp, { recursive: true, force: true }); };
  process.once('exit', cleanup);
  process.once('SIGINT', () => { cleanup(); process.exit(130); });
  setTimeout(() => { log('watchdog: still running after 240 s, giving up'); cleanup(); process.exit(1); }, 240_000).unref();
  const rows: Row[] = [];
  const skipped: Skipped[] = [];
  // A section that cannot run here (a missing tool, a broken engine) is reported as skipped with
  // its reason; the others still run and the report is still printed.
  const section = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    log(name);
    try { return await fn(); } catch (err) {
      const reason = ((err as Error).message ?? String(err)).split('\n')[0] ?? 'failed';
      log(`${name}: skipped: ${reason}`);
      skipped.push({ section: name, reason });
      return undefined;
    }
  };
  try {
    const t = want('rest') || want('rss') ? await section('REST and WebSocket load', () => throughput(children, rt, p, tmp)) : undefined;
    if (t && !want('rest')) t.rows.length = 0;
    if (t) {
      rows.push(...t.rows);
      if (want('rss')) await section('idle RSS', async () => {
        const gwRss = await idleRss(children, gatewayArgs(rt, t.loadDirs, 0, false), (u) => rpcHealth(u, t.key));
        const bareRss = await idleRss(children, bareHttp(rt), async (u) => { await (await fetch(u, { method: 'POST', body: '{"method":"health"}' })).text(); });
        rows.push({ figure: 'Idle RSS 1 s after start + 1 request, MB (vs bare node:http)', unit: 'MB', moltis: gwRss, baseline: bareRss, digits: 1 });
      });
    } else if (want('rss')) skipped.push({ section: 'idle RSS', reason: 'needs the REST and WebSocket load section' });
    if (want('startup')) rows.push(...await section('start-up', () => startup(children, rt, p, tmp)) ?? []);
    if (want('vault')) rows.push(...await section('vault: unseal, AEAD, secret store', () => vaultFigures({ runs: p.runs, durationMs: Math.min(p.durationMs, 2000) })) ?? []);
    if (want('classifier')) rows.push(...await section('approval classifier', () => classifierFigures({ durationMs: Math.min(p.durationMs, 2000) })) ?? []);
    if (want('audit')) rows.push(...await section('audit log', async () => auditFigures({ durationMs: Math.min(p.durationMs, 2000), entries: values.quick ? 20_000 : 200_000 })) ?? []);
    const sb = want('sandbox') ? await section('sandboxed exec latency', () => sandboxFigures({ runs: Math.max(5, p.runs * 3), log })) : undefined;
    if (sb) { rows.push(...sb.rows); skipped.push(...sb.skipped); }
    if (want('cron')) rows.push(...await section('cron: 1,000 jobs', () => cronFigures({ children, jobs: 1000, everyMs: values.quick ? 4000 : 10_000, log })) ?? []);
    printReport({ rows, skipped, runtime: rt, params: p, elapsedMs: Date.now() - started, json: values.json === true });
  } finally {
    cleanup();
  }
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
