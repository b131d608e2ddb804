import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, ConfigError } from '../config/index.js';
import { gatherDoctorFacts, localTime, startServer, StartupError, VERSION } from '../server/index.js';
import { doctorSummary, runDoctor } from '../audit/index.js';
import { cliName, resolveDirs } from './paths.js';
import { isLoopbackHost } from '../net/index.js';
import { rpConfigFromEnv } from '../auth/index.js';

export interface ServeFlags { bind?: string; port?: string; tls?: boolean; configDir?: string; dataDir?: string }
type Out = { out: (s: string) => void; err: (s: string) => void };

/** Parses a --port value, explaining what is wrong. */
export function parsePort(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new StartupError(`--port ${v}: expected a number from 0 to 65535`);
  return Number(v);
}

/** `moltis serve`: load config, start the gateway, print the banner, shut down cleanly on Ctrl-C. */
export async function serve(flags: ServeFlags, io: Out): Promise<number> {
  const { configDir, dataDir } = resolveDirs(flags);
  let loaded;
  try {
    loaded = loadConfig({
      configDir,
      env: process.env,
      overrides: {
        ...(flags.bind !== undefined ? { bind: flags.bind } : {}),
        ...(flags.port !== undefined ? { port: parsePort(flags.port) } : {}),
        ...(flags.tls === false ? { noTls: true } : {}),
      },
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) { io.err(`moltis: ${err.message}`); return 2; }
    throw err;
  }
  if (loaded.created) io.out(`wrote a commented example config to ${loaded.path} (every key with its default)`);
  // Signals are caught from here on, so a Ctrl-C during start-up still shuts down cleanly.
  let onSignal: (sig: string) => void = (sig) => { pending = sig; };
  let pending: string | null = null;
  const handler = (sig: string) => () => onSignal(sig);
  // `on`, not `once`: a second Ctrl-C during a slow shutdown must reach the forced-exit branch.
  process.on('SIGINT', handler('SIGINT'));
  process.on('SIGTERM', handler('SIGTERM'));
  let server;
  const cli = cliName(process.env);
  try {
    server = await startServer({ config: loaded.config, configDir, dataDir, print: io.out, cli, logger: { level: process.env.MOLTIS_LOG_LEVEL ?? 'warn' } });
  } catch (err) {
    if (err instanceof StartupError) { io.err(`moltis: ${err.message}`); return 2; }
    io.err(`moltis: failed to start: ${(err as Error).message}`);
    return 1;
  }
  const cfg = loaded.config;
  // From the process's start (Node's time origin) to accepting connections.
  const startedIn = `started in ${Math.round(performance.now())} ms`;
  io.out(`moltis ${VERSION} listening on ${server.browserUrl} (${server.browserUrl !== server.url ? `${cfg.server.bind}, ` : ''}${startedIn})`);
  io.out(`  config: ${loaded.path}`);
  io.out(`  data:   ${join(dataDir, 'moltis.db')}`);
  if (server.tls?.caPath) {
    io.out(`  CA certificate: ${server.tls.caPath} (also at ${server.browserUrl}/certs/ca.pem); run \`${cli} trust-ca\` to remove browser warnings`);
  }
  if (server.redirectPort !== null) io.out(`  plain HTTP on port ${server.redirectPort} redirects to ${server.url}`);
  if (cfg.server.behind_proxy) {
    io.out(`  proxy: behind a reverse proxy — no request is local; X-Forwarded-* believed only from ${cfg.server.trusted_proxies.join(', ') || 'nobody ([server] trusted_proxies is empty)'}`);
  }
  const rp = rpConfigFromEnv(process.env);
  if (rp.rpId) io.out(`  passkeys: RP ID ${rp.rpId}, origin ${rp.origin ?? `https://${rp.rpId}`}`);
  if (!server.tls && !isLoopbackHost(cfg.server.bind)) {
    io.out('  WARNING: TLS is off on a non-loopback address: passwords and cookies travel in clear text unless a proxy terminates TLS');
  }
  if (cfg.auth.disabled) {
    io.out('  auth: DISABLED in moltis.toml — full access from this machine only; remote callers are refused');
  } else if (server.auth.isSetupComplete()) {
    io.out('  auth: tier 1 — a password or passkey is set; every caller must authenticate');
  } else {
    const code = server.setupCode();
    io.out(cfg.server.behind_proxy
      ? '  auth: no password or passkey yet — behind a proxy nothing is local: setup needs the setup code (tier 3)'
      : '  auth: no password or passkey yet — full access from this machine (tier 2); remote callers can only complete setup (tier 3)');
    if (code) io.out(`  setup code: ${code.code}  (needed for setup from another machine; valid until ${localTime(code.expiresAt)}, single use)`);
  }
  // The chain walk is left to `moltis doctor`: over a large log it would delay every start.
  io.out(`  ${doctorSummary(runDoctor(gatherDoctorFacts({ config: cfg, configDir, dataDir, env: process.env, verifyAudit: false })))}`);
  const running = server;
  return await new Promise<number>((resolveExit) => {
    let stopping = false;
    onSignal = (sig: string) => {
      if (stopping) { io.err('forced exit'); process.exit(130); }
      stopping = true;
      io.out(`${sig} received, shutting down…`);
      running.close().then(() => { io.out('stopped'); resolveExit(0); }, (err) => { io.err(`shutdown failed: ${(err as Error).message}`); resolveExit(1); });
    };
    if (pending) onSignal(pending);
  });
}
