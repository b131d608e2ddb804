/**
 * Starts a real gateway for system tests: temp config/data dirs, 127.0.0.1, ephemeral port.
 * Always `await t.close()` (use `after`/`t.after`) so no server outlives its test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';

export interface TestServer extends RunningServer {
  dirs: { root: string; configDir: string; dataDir: string };
  /** The setup code most recently issued. */
  code(): string;
  printed: string[];
  /** Closes the server; `keepDirs` leaves the directories for a restart. */
  stop(o?: { keepDirs?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  toml?: string;
  env?: Record<string, string | undefined>;
  tls?: boolean;
  dirs?: TestServer['dirs'];
  now?: () => number;
  onRoute?: ServerOptions['onRoute'];
  handshakeTimeoutMs?: number;
  maxConnections?: ServerOptions['maxConnections'];
  expirySweepMs?: ServerOptions['expirySweepMs'];
  tools?: ServerOptions['tools'];
  lookup?: ServerOptions['lookup'];
  egressPorts?: ServerOptions['egressPorts'];
  sandboxProbes?: ServerOptions['sandboxProbes'];
  channelAdapters?: ServerOptions['channelAdapters'];
  localServers?: ServerOptions['localServers'];
}

/** Starts a server; by default without TLS (TLS tests opt in). */
export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const root = o.dirs?.root ?? mkdtempSync(join(tmpdir(), 'moltis-sys-'));
  const dirs = o.dirs ?? { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
  const env = o.env ?? {};
  const config = parseConfig(`[server]\nbind = "127.0.0.1"\nport = 0\n${o.toml ?? ''}`, { env, overrides: o.tls ? {} : { noTls: true } });
  const printed: string[] = [];
  let code = '';
  const s = await startServer({
    config, configDir: dirs.configDir, dataDir: dirs.dataDir, env,
    print: (l) => printed.push(l),
    onSetupCode: (c) => { code = c; },
    ...(o.now ? { now: o.now } : {}),
    ...(o.onRoute ? { onRoute: o.onRoute } : {}),
    ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
    ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
    ...(o.expirySweepMs !== undefined ? { expirySweepMs: o.expirySweepMs } : {}),
    ...(o.tools ? { tools: o.tools } : {}),
    ...(o.lookup ? { lookup: o.lookup } : {}),
    ...(o.egressPorts ? { egressPorts: o.egressPorts } : {}),
    ...(o.sandboxProbes ? { sandboxProbes: o.sandboxProbes } : {}),
    ...(o.channelAdapters ? { channelAdapters: o.channelAdapters } : {}),
    ...(o.localServers ? { localServers: o.localServers } : {}),
  });
  return Object.assign(s, {
    dirs, printed,
    code: () => code,
    async stop(so: { keepDirs?: boolean } = {}) {
      await s.close();
      if (!so.keepDirs && !o.dirs) rmSync(root, { recursive: true, force: true });
    },
  });
}

/** A password that satisfies the policy. */
export const PASSWORD = 'correct horse battery staple';

/** Completes setup locally and returns the session cookie (`moltis_session=…`). */
export async function setupPassword(s: TestServer, password = PASSWORD): Promise<string> {
  const r = await fetch(`${s.url}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  if (r.status !== 200) throw new Error(`setup failed: ${r.status} ${await r.text()}`);
  return cookieOf(r);
}

/** The `moltis_session=…` pair from a response's Set-Cookie. */
export function cookieOf(r: Response): string {
  const sc = r.headers.get('set-cookie') ?? '';
  const m = /moltis_session=([^;]*)/.exec(sc);
  if (!m || !m[1]) throw new Error(`no session cookie in ${sc}`);
  return `moltis_session=${m[1]}`;
}

/** Creates an API key with the given scopes using an owner cookie. */
export async function createKey(s: TestServer, cookie: string, scopes: string[], label = 'test'): Promise<{ id: number; key: string }> {
  const r = await fetch(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ label, scopes }) });
  if (r.status !== 200) throw new Error(`create key failed: ${r.status} ${await r.text()}`);
  return (await r.json()) as { id: number; key: string };
}

/** POST /api/rpc with optional headers. */
export async function rpc(s: TestServer, method: string, params: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${s.url}/api/rpc`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ method, params }) });
  return { status: r.status, body: (await r.json()) as { ok: boolean; payload?: unknown; error?: { code: string; message: string } } };
}
