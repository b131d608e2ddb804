/**
 * Assembles one gateway process: store, event bus, auth, gateway, TLS and the HTTP front door.
 * Used by `moltis serve` and by the system tests (real sockets, ephemeral ports).
 */
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAuth, createLoginGuard, isRevokedBy, rpConfigFromEnv, type RevokedEvent, type RpConfig } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { createEventBus } from '../events/index.js';
import { createGateway } from '../gateway/index.js';
import { buildHttpApp, startRedirectListener, type RedirectListener } from '../http/index.js';
import { createStore, databasePath } from '../store/index.js';
import { defaultServedNames, ensureAutoTls, loadCustomTls, type TlsFiles } from '../tls/index.js';
import { VERSION } from './version.js';
import { createVault } from '../vault/index.js';
import { autoUnseal } from './auto-unseal.js';
import { createAgent, createToolRegistry, currentTimeTool, agentMethods, createProviderRegistry, guardedProviderFetch, providerAllowlist, NO_PROVIDER_HELP, type LocalServer, type ToolDefinition } from '../agent/index.js';
import { createIdentityStore, IDENTITY_FILE_NAMES } from '../identity/index.js';
import { createApprovals, createClassifier, approvalMethods } from '../approval/index.js';
import { webFetchTool } from '../tools/index.js';
import type { SandboxProbes } from '../sandbox/index.js';
import { probeSandbox, setupExec } from './exec-setup.js';
import { setupCron } from './cron-setup.js';
import { HEARTBEAT_FILE, type Cron } from '../cron/index.js';
import { createHooks } from '../hooks/index.js';
import { isChannelSession } from '../policy/index.js';
import { channelMethods, createChannels, slackAdapter, telegramAdapter, type AdapterFactory } from '../channels/index.js';
import { allowlistWarnings, createEgressProxy, createNetworkAudit, networkAuditMethods, trustedDomainsFilter, type Lookup } from '../net/index.js';

export { VERSION } from './version.js';
export { withOfflineAuth } from './offline.js';
export { withOfflineAuditLog, type NoAuditLog } from './offline-audit.js';
export { gatherDoctorFacts } from './offline-doctor.js';
export { probeSandbox, sandboxSummary } from './exec-setup.js';
export { sandboxImageBuild, sandboxImageList, sandboxImageRemove } from './sandbox-image.js';
import { loginGuardOptions } from './options.js';
import { setupAudit } from './audit-setup.js';
import { headMismatch, setupAlerts } from './alerts-setup.js';
import { auditMethods } from '../audit/index.js';

/** Thrown for a configuration that must not start (the message says how to fix it). */
export class StartupError extends Error {}

export interface ServerOptions {
  config: Config;
  configDir: string;
  dataDir: string;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Where operator messages go (banner lines, new setup codes, certificate warnings). */
  print?: (line: string) => void;
  logger?: boolean | { level: string };
  onSetupCode?: (code: string, expiresAt: number) => void;
  onRoute?: (method: string, url: string) => void;
  maxConnections?: number;
  handshakeTimeoutMs?: number;
  /** How often open WebSockets' credentials are re-checked for expiry (default 5 s; tests shorten it). */
  expirySweepMs?: number;
  /** DNS resolver for web_fetch (tests pin it; default: the system's). */
  lookup?: Lookup;
  /** Sandbox backend probes (tests pin them to exercise the no-sandbox fallback). */
  sandboxProbes?: SandboxProbes;
  /** Destination ports the egress proxy allows (default 80 and 443; tests add their ephemeral ports). */
  egressPorts?: number[];
  /** Extra tools for the agent (tests register their own). */
  tools?: ToolDefinition[];
  /** Replaces channel platform adapters (tests tune their backoff). */
  channelAdapters?: Partial<Record<'telegram' | 'slack', AdapterFactory>>;
  /** How users run the CLI here (`moltis`, or `npx moltis` when it is not on PATH), for printed hints. */
  cli?: string;
  /** Local model servers looked for on 127.0.0.1 (default Ollama 11434, LM Studio 1234; tests use ephemeral ports). */
  localServers?: LocalServer[];
}

const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.body.password', 'req.body.new_password', 'req.body.current_password', 'req.body.setup_code', 'req.body.value', 'req.body.recovery_key'];
const TLS_RECHECK_MS = 12 * 3600 * 1000;

async function loadTls(o: ServerOptions, print: (l: string) => void): Promise<{ files: TlsFiles; recheck: (() => Promise<TlsFiles | null>) | null } | null> {
  const t = o.config.tls;
  if (!t.enabled) return null;
  if (t.cert_path && t.key_path) return { files: loadCustomTls({ certPath: t.cert_path, keyPath: t.key_path, ...(t.ca_cert_path ? { caCertPath: t.ca_cert_path } : {}) }), recheck: null };
  if (!t.auto_generate) throw new StartupError('TLS is enabled but no certificate is configured and [tls] auto_generate = false: set [tls] cert_path and key_path, enable auto_generate, or run with --no-tls');
  const served = defaultServedNames(o.config.server.bind, [...t.extra_names], osHostname());
  const cli = o.cli ?? 'moltis';
  const log = cli === 'moltis' ? print : (l: string) => print(l.replaceAll('`moltis ', `\`${cli} `));
  const ensure = () => ensureAutoTls({ certsDir: join(o.configDir, 'certs'), names: served.names, ips: served.ips, leafValidityDays: t.leaf_validity_days, renewBeforeDays: t.renew_before_days, log, ...(o.now ? { now: () => new Date(o.now!()) } : {}) });
  const first = await ensure();
  return { files: first, recheck: async () => { const r = await ensure(); return r.leafIssued ? r : null; } };
}

/** `[server] http_redirect_port`: a second, plain port that only redirects to the HTTPS one. */
async function startHttpRedirect(cfg: Config, tls: boolean, httpsPort: number, print: (l: string) => void): Promise<RedirectListener | null> {
  const s = cfg.server;
  if (s.http_redirect_port === 0) return null;
  // Without TLS there is nothing to redirect to; behind a proxy the proxy owns redirects (a loop otherwise).
  if (!tls || s.behind_proxy) {
    print(`  note: [server] http_redirect_port = ${s.http_redirect_port} is ignored: ${!tls ? 'TLS is off' : 'behind a proxy, the proxy redirects to https'}`);
    return null;
  }
  try {
    return await startRedirectListener({ bind: s.bind, port: s.http_redirect_port, httpsPort, timeoutMs: s.headers_timeout_secs * 1000, maxConnections: s.max_connections, maxConnectionsPerIp: s.max_connections_per_ip });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(`[server] http_redirect_port ${s.http_redirect_port} on ${s.bind}: ${e.code === 'EADDRINUSE' ? 'already in use: pick another port, or 0 for off' : e.message}`);
  }
}

/** A time with its zone, e.g. "16:47:12 CET", as printed for setup codes. */
export function localTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' });
}

/** Starts a gateway and resolves once it accepts connections. */
export async function startServer(o: ServerOptions) {
  const env = o.env ?? process.env;
  const now = o.now ?? Date.now;
  const print = o.print ?? ((l: string) => console.log(l));
  const cfg = o.config;
  const behindProxy = cfg.server.behind_proxy;
  if (behindProxy && cfg.tls.enabled && !truthy(env.MOLTIS_ALLOW_TLS_BEHIND_PROXY)) {
    throw new StartupError('MOLTIS_BEHIND_PROXY is set but TLS is enabled: terminate TLS at the proxy and run with --no-tls (or MOLTIS_NO_TLS=true); if your proxy really connects over HTTPS, set MOLTIS_ALLOW_TLS_BEHIND_PROXY=true');
  }
  // WebAuthn RP behind a proxy: read once, like every other env setting.
  let webauthn: RpConfig;
  try { webauthn = rpConfigFromEnv(env); } catch (err) { throw new StartupError((err as Error).message); }
  // Probing sandbox backends spawns engine processes: it runs while the rest starts, and only a
  // backend named in moltis.toml is waited for before listening (a broken one refuses to start);
  // `auto` is not: the first command waits for it instead.
  const sb = cfg.tools.exec.sandbox;
  let stopping = false;
  // A probe that ends during shutdown is not news: the gateway is going away.
  const sandbox = probeSandbox(cfg, o.dataDir, (l) => { if (!stopping) print(l); }, o.sandboxProbes);
  const tls = await loadTls(o, print);
  const store = createStore({ path: databasePath(o.dataDir) });
  // Before the first append rewrites it: the head file as the last run left it (alerts compare it).
  const auditStart = { seq: store.audit.tip()?.seq ?? 0, headProblem: headMismatch(store) };
  const bus = createEventBus({ onListenerError: (err, ev) => print(`event listener failed on ${ev}: ${(err as Error).message}`) });
  // Every audit entry is announced from the log's one append path, whoever wrote it.
  store.audit.onAppend((row) => bus.publish('auth.audit', row));
  const guard = createLoginGuard({ ...loginGuardOptions(cfg), now });
  // The first code goes in the start-up banner; later ones (expiry, reset) are printed as they come.
  let bannerCodeIssued = false;
  // The vault's own events (unseal, migration) go to the same audit trail as auth events.
  let auditSink: ((type: string, detail: string | null) => void) | null = null;
  const vault = createVault({ store, now, onEvent: (type, detail) => {
    auditSink?.(type, detail);
    // Whatever unsealed it (login, unlock, recovery, auto-unseal), waiting capabilities hear it.
    if (['vault_unsealed', 'vault_recovered', 'vault_initialized', 'vault_sealed'].includes(type)) bus.publish('vault.status', { status: vault.status() });
  } });
  const auth = createAuth({
    store, bus, guard, now, vault, webauthn,
    disabled: cfg.auth.disabled,
    sessionTtlMs: cfg.auth.session_ttl_days * 86_400_000,
    sessionIdleMs: cfg.auth.session_idle_timeout_mins * 60_000,
    maxSessions: cfg.auth.max_sessions,
    setupCodeTtlMs: cfg.auth.setup_code_ttl_mins * 60_000,
    onSetupCode: (code, expiresAt) => {
      o.onSetupCode?.(code, expiresAt);
      if (bannerCodeIssued) print(`new setup code: ${code} (valid until ${localTime(expiresAt)})`);
      bannerCodeIssued = true;
    },
  });
  auditSink = (type, detail) => auth.audit(type, null, detail);
  const passkeyNote = auth.passkeys.foreignNote();
  if (passkeyNote) print(`  ${passkeyNote}`);
  const auditSetup = setupAudit({ store, auth, config: cfg, configDir: o.configDir, now, print });
  await autoUnseal(vault, env, print);
  const startedAt = now();
  const gateway = createGateway({
    auth, store, bus, now, startedAt, version: VERSION, hostname: osHostname(), tls: tls !== null,
    maxConnections: o.maxConnections ?? 256,
    ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
    ...(o.expirySweepMs !== undefined ? { expirySweepMs: o.expirySweepMs } : {}),
    onError: (err, where) => print(`internal error in ${where}: ${(err as Error).stack ?? String(err)}`),
    onDenied: auditSetup.onDenied,
    ...(cfg.server.throttle.enabled ? { failureLimit: { max: cfg.server.throttle.failure_max, windowMs: cfg.server.throttle.failure_window_secs * 1000 } } : {}),
  });
  gateway.dispatcher.mount(auditMethods(store.audit, { publicKey: auditSetup.publicKey }));
  // The agent: identity files in the data dir, tools, providers (keys from the vault, else env vars).
  const identity = createIdentityStore({ dataDir: o.dataDir });
  const createdIdentity = identity.ensureDefaults().created;
  if (createdIdentity.length) print(`created ${createdIdentity.join(', ')} in ${o.dataDir} (the agent's identity; edit them or use identity.update)`);
  const hooks = createHooks({ hooks: cfg.hooks, audit: (type, detail) => auth.audit(type, null, detail) });
  const alerts = setupAlerts({ store, bus, auth, config: cfg, hooks, now, print, auditStart });
  gateway.dispatcher.mount(alerts.methods);
  const tools = createToolRegistry({ hooks });
  tools.register(currentTimeTool(now));
  const ex = cfg.tools.exec;
  const approvals = createApprovals({
    now, timeoutMs: ex.approval_timeout_secs * 1000,
    publish: (event, payload) => bus.publish(event, payload),
    audit: (type, detail) => auth.audit(type, null, detail),
  });
  gateway.dispatcher.mount(approvalMethods(approvals));
  gateway.dispatcher.register('hooks.list', () => ({ hooks: hooks.list() }));
  // The network audit log exists in every mode (RPC always answers); the egress proxy only in
  // trusted mode, where it is a sandbox's one way out (a Unix socket per session, no TCP listener).
  const networkAudit = createNetworkAudit({ store, now, publish: (event, payload) => bus.publish(event, payload), onError: (err) => print(`network audit: ${(err as Error).message}`) });
  gateway.dispatcher.mount(networkAuditMethods(networkAudit));
  let listenPort: number | null = null;
  const egressProxy = ex.sandbox.network === 'trusted' ? createEgressProxy({
    socketDir: join(o.dataDir, 'run', 'proxy'),
    filter: trustedDomainsFilter(ex.sandbox.trusted_domains),
    allowCidrs: [...cfg.tools.web.fetch.ssrf_allowlist],
    // The gateway itself is never a destination, whatever the CIDR allowlist says.
    selfAddresses: () => [{ host: cfg.server.bind, port: listenPort ?? cfg.server.port }],
    audit: (e) => networkAudit.record(e),
    now,
    ...(o.lookup ? { lookup: o.lookup } : {}),
    ...(o.egressPorts ? { ports: o.egressPorts } : {}),
    onError: (err, where) => print(`internal error in ${where}: ${(err as Error).message}`),
  }) : null;
  // Built after the agent (its runs are agent turns); exec asks it for a job's sandbox meanwhile.
  let cron: Cron | null = null;
  const execSetup = setupExec({
    // The grammar (WASM) loads on the first command, not at start-up.
    config: cfg, dataDir: o.dataDir, configDir: o.configDir, bus, gateway, classifier: async () => createClassifier(), approvals, print, sandbox: () => sandbox, ...(o.cli ? { cli: o.cli } : {}),
    guardedNames: [...IDENTITY_FILE_NAMES, HEARTBEAT_FILE, 'moltis.db', 'moltis.toml'],
    jobSandbox: (sessionKey) => cron?.sandboxFor(sessionKey) ?? null,
    ...(egressProxy ? { proxySocket: (k: string) => egressProxy.socketFor(k), closeProxySession: (k: string) => void egressProxy.closeSession(k) } : {}),
    envVars: () => vault.status() === 'unsealed' ? Object.fromEntries(vault.secrets.list('env').map((e) => [e.name, vault.secrets.get('env', e.name) ?? ''])) : {},
    audit: (type, detail) => auth.audit(type, null, detail),
  });
  tools.register(execSetup.tool);
  const sandboxReady = execSetup.ready().then(() => undefined);
  if (sb.enabled && sb.backend !== 'auto') await sandboxReady;
  // Fail closed: should `auto` ever fail, every command fails with it (none runs unsandboxed).
  else sandboxReady.catch((err: Error) => print(`  WARNING: sandbox: ${err.message}: every command fails until this is fixed`));
  const wf = cfg.tools.web.fetch;
  for (const w of allowlistWarnings([...wf.ssrf_allowlist])) print(`  WARNING: [tools.web.fetch] ssrf_allowlist: ${w}`);
  tools.register(webFetchTool({
    allowlist: wf.ssrf_allowlist, maxBytes: wf.max_bytes, timeoutMs: wf.timeout_secs * 1000, maxRedirects: wf.max_redirects,
    ...(o.lookup ? { lookup: o.lookup } : {}),
    audit: (type, detail) => auth.audit(type, null, detail),
  }));
  for (const t of o.tools ?? []) tools.register(t);
  // Model providers: moltis.toml's plus those added at runtime; their addresses pass the outbound
  // guard, with loopback and private networks allowed on purpose (local model servers).
  const providers = createProviderRegistry({ config: cfg, repo: store.providers, now });
  const providerNet = { allowlist: providerAllowlist([...cfg.tools.web.fetch.ssrf_allowlist]), ...(o.lookup ? { lookup: o.lookup } : {}) };
  const agent = createAgent({
    store, config: cfg, bus, tools, env, now, providers, fetch: guardedProviderFetch(providerNet),
    beforeStart: (sessionKey, text) => hooks.run('BeforeAgentStart', { sessionKey, input: { text } }),
    // Channel turns and channel sessions are untrusted: what lands in their history reaches the
    // chat's members, so the owner's profile (USER.md) never enters them, whoever drives the turn.
    systemPrompt: (toolNames, turn) => identity.systemPrompt({ now: new Date(now()), toolNames, untrusted: turn.origin === 'channel' || isChannelSession(turn.sessionKey) }),
    keys: (provider) => vault.status() === 'unsealed'
      ? { key: vault.secrets.get('provider', provider), sealed: false }
      : { key: null, sealed: vault.secrets.list('provider').some((s) => s.name === provider) },
  });
  gateway.dispatcher.mount(agentMethods({
    agent, store, bus, now, identity, secrets: vault.secrets,
    audit: (type, ip, detail) => auth.audit(type, ip, detail),
    providers, env, net: providerNet, vaultUnsealed: () => vault.status() === 'unsealed',
    ...(o.localServers ? { localServers: o.localServers } : {}),
  }));
  const cronSetup = setupCron({ config: cfg, dataDir: o.dataDir, store, bus, agent, auth, tools, gateway, now, providers });
  cron = cronSetup.cron;
  // Chat channels: strangers' messages pass the sender gate, then run as turns at their level.
  const channels = createChannels({
    config: cfg, store, vault, agent, bus, now, log: print,
    audit: (type, detail) => auth.audit(type, null, detail),
    adapters: { telegram: telegramAdapter(), slack: slackAdapter(), ...o.channelAdapters },
    ...(o.lookup ? { lookup: o.lookup } : {}),
  });
  gateway.dispatcher.mount(channelMethods(channels));
  // Revocation (key revoked, logout, password change, reset) stops what the credential started:
  // its turns abort, and an aborted turn's pending approvals are denied with it.
  const stopRevoked = bus.subscribe(({ event, payload }) => {
    if (event === 'auth.revoked') agent.abortWhere((id) => isRevokedBy(id, payload as RevokedEvent));
  });
  if (providers.models().length === 0) print(`  note: ${NO_PROVIDER_HELP}`);
  const th = cfg.server.throttle;
  let app: FastifyInstance | undefined;
  let redirect: RedirectListener | null = null;
  try {
    app = await buildHttpApp({
      auth, gateway, secrets: vault.secrets, bind: cfg.server.bind, tls: tls !== null, behindProxy,
      trustedProxies: cfg.server.trusted_proxies, allowedOrigins: cfg.server.allowed_origins,
      throttle: {
        enabled: th.enabled, maxBuckets: th.max_buckets,
        limits: {
          login: { max: th.login_max, windowMs: th.login_window_secs * 1000 },
          auth: { max: th.auth_max, windowMs: th.auth_window_secs * 1000 },
          api: { max: th.api_max, windowMs: th.api_window_secs * 1000 },
          ws: { max: th.ws_max, windowMs: th.ws_window_secs * 1000 },
          callback: { max: th.callback_max, windowMs: th.callback_window_secs * 1000 },
        },
      },
      now,
      limits: {
        maxConnections: cfg.server.max_connections, maxConnectionsPerIp: cfg.server.max_connections_per_ip,
        headersTimeoutMs: cfg.server.headers_timeout_secs * 1000, requestTimeoutMs: cfg.server.request_timeout_secs * 1000,
        unauthenticatedBodyTimeoutMs: cfg.server.unauthenticated_body_timeout_secs * 1000,
      },
      https: tls ? { key: tls.files.key, cert: tls.files.cert } : null,
      caPem: () => tls?.files.caPem ?? null,
      // Invariant 3: credentials never reach the log.
      logger: o.logger === undefined || o.logger === false ? false : { level: o.logger === true ? 'info' : o.logger.level, redact: { paths: REDACT, censor: '[redacted]' } },
      ...(o.onRoute ? { onRoute: o.onRoute } : {}),
      channelCallbacks: (type, accountId, req) => channels.callback(type, accountId, req),
      onClientError: (line) => print(`warning: ${line}`),
    });
    await app.listen({ host: cfg.server.bind, port: cfg.server.port });
    redirect = await startHttpRedirect(cfg, tls !== null, (app.server.address() as AddressInfo).port, print);
  } catch (err) {
    stopping = true;
    cronSetup.close();
    await app?.close().catch(() => { /* best effort on a failed start */ });
    await channels.close().catch(() => { /* best effort on a failed start */ });
    await execSetup.close().catch(() => { /* best effort on a failed start */ });
    await egressProxy?.close();
    networkAudit.close();
    alerts.close(); auditSetup.close(); gateway.close(); store.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new StartupError(`port ${cfg.server.port} on ${cfg.server.bind} is already in use: stop the other process or pass --port`);
    if (e.code === 'EADDRNOTAVAIL') throw new StartupError(`cannot bind ${cfg.server.bind}: no such address on this machine (check --bind)`);
    throw err;
  }
  // Renew the leaf before it expires, in place: the CA the user trusted stays the same.
  const timer = tls?.recheck ? setInterval(() => {
    tls.recheck!().then((r) => {
      if (r) { (app.server as HttpsServer).setSecureContext({ key: r.key, cert: r.cert }); tls.files = r; print('TLS leaf certificate renewed'); }
    }).catch((err) => print(`TLS renewal failed: ${(err as Error).message}`));
  }, TLS_RECHECK_MS) : null;
  timer?.unref();

  const port = (app.server.address() as AddressInfo).port;
  listenPort = port;
  // Accounts connect in the background: a bad token or a sealed vault is a status, never a failed start.
  void channels.start();
  const scheme = tls ? 'https' : 'http';
  const host = cfg.server.bind === '0.0.0.0' || cfg.server.bind === '::' ? 'localhost' : cfg.server.bind.includes(':') ? `[${cfg.server.bind}]` : cfg.server.bind;
  // Browsers refuse passkeys on an IP address: the URL to open on this machine names localhost.
  const loopbackOrAny = ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(cfg.server.bind) || cfg.server.bind.startsWith('127.');
  let closed = false;
  return {
    app, auth, store, bus, gateway, vault, agent, identity, port, networkAudit, cron: cronSetup.cron, channels,
    /** The trusted-mode egress proxy (null when `network = "none"`): `socketFor(sessionKey)` for the sandbox. */
    egressProxy,
    url: `${scheme}://${host}:${port}`,
    /** The `[server] http_redirect_port` listener's port, or null when off. */
    redirectPort: redirect?.port ?? null,
    /** The URL a browser on this machine should open (`localhost` rather than an IP when bound to loopback). */
    browserUrl: `${scheme}://${loopbackOrAny ? 'localhost' : host}:${port}`,
    tls: tls?.files ?? null,
    /** Resolves once the sandbox is chosen and its start-up line printed (`auto` probes after listening). */
    sandboxReady,
    setupCode: () => auth.setupCodes.current(),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stopping = true;
      if (timer) clearInterval(timer);
      await redirect?.close();
      stopRevoked();
      cronSetup.close();
      await channels.close();
      approvals.close();
      await agent.close();
      await execSetup.close().catch((err: Error) => print(`sandbox shutdown: ${err.message}`));
      await egressProxy?.close();
      networkAudit.close(); // after the proxy: its last requests join the final aggregates
      gateway.close();
      alerts.close();
      auditSetup.close();
      await app.close();
      bus.close();
      store.close();
    },
  };
}
export type RunningServer = Awaited<ReturnType<typeof startServer>>;
