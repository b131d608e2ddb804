/**
 * The moltis.toml schema: defaults in one object, a strict zod schema built from it, and the
 * security refinements that belong to configuration (origins, proxy CIDRs, certificate names).
 */
import { z } from 'zod';
import { bindProblem, certNameProblem, checked, cidrProblem, normalizeOrigin, originProblem } from './checks.js';
import { SANDBOX_DEFAULTS, sandboxSchema } from './sandbox.js';
import { CRON_DEFAULTS, cronSchema, heartbeatSchema } from './cron-schema.js';
import { approvalModeProblem, FLOOR_IN_SANDBOX, parseApprovalMode, SECURITY_LEVELS, type ApprovalMode, type FloorInSandbox, type SecurityLevel } from './exec-policy.js';
import { AUDIT_DEFAULTS, auditSchema } from './audit-schema.js';
import { MONITORING_DEFAULTS, monitoringSchema } from './monitoring-schema.js';
import { CHANNELS_DEFAULTS, channelsSchema } from './channels-schema.js';

export { parseMemory } from './checks.js';
export { SANDBOX_BACKENDS, NETWORK_MODES, type SandboxBackendName, type NetworkMode } from './sandbox.js';

/** Recursively readonly view of a value (arrays become readonly arrays). */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

// Every key has a default here, so an empty file is a complete, safe configuration.
// User-facing explanations live in example.ts (DESCRIPTIONS); comments here record decisions.
const defaults = {
  server: {
    bind: '127.0.0.1', // loopback until the owner deliberately exposes the gateway
    port: 13131,
    allowed_origins: [] as string[],
    // Only a proxy on this machine may speak for clients; anything wider is an explicit choice.
    trusted_proxies: ['127.0.0.1/32', '::1/128'],
    behind_proxy: false,
    http_redirect_port: 0, // off: a second open port is the owner's explicit choice
    // Socket budgets (threat: slow bodies and idle sockets exhausting file descriptors; a service's
    // ulimit -n is often 1024, and the store, sandboxes and proxy need descriptors too).
    max_connections: 512,
    max_connections_per_ip: 64, // one address cannot hold the whole budget; trusted proxies are exempt
    headers_timeout_secs: 10,
    request_timeout_secs: 60, // whole request received, credential or not (bodies are at most 1 MiB)
    unauthenticated_body_timeout_secs: 10, // login/setup bodies are tiny: a stranger's body is short-lived
    throttle: {
      enabled: true,
      login_max: 5,
      login_window_secs: 60,
      auth_max: 120,
      auth_window_secs: 60,
      api_max: 180,
      api_window_secs: 60,
      ws_max: 30,
      ws_window_secs: 60,
      callback_max: 5000, // per client IP, before the signature is checked (the original's Slack figure)
      callback_window_secs: 60,
      // A credential whose requests keep being refused (scope, unknown method, bad request) is
      // throttled for a window: a scoped key probing the API cannot flood the audit log.
      failure_max: 30,
      failure_window_secs: 60,
      max_buckets: 10_000, // bounds memory an attacker can make us spend on buckets
    },
  },
  auth: {
    disabled: false,
    session_ttl_days: 30,
    session_idle_timeout_mins: 10_080,
    max_sessions: 10,
    setup_code_ttl_mins: 30,
    login_guard: {
      ban_threshold: 10,
      ban_base_secs: 300,
      ban_max_secs: 86_400,
      max_tracked_ips: 10_000,
    },
  },
  agent: {
    max_steps: 8, // model calls per turn (each tool round trip is one step)
    tool_timeout_secs: 30,
    request_timeout_secs: 120,
    max_history_messages: 200,
  },
  providers: {} as Record<string, { enabled: boolean; base_url?: string | undefined; models: string[] }>,
  tools: {
    exec: {
      approval_mode: 'smart' as ApprovalMode,
      // The brief's "full": approval_mode decides and the dangerous-command floor still holds.
      security_level: 'full' as SecurityLevel,
      // Inside a sandbox the floor keeps asking for what leaves it (workspace, git, remotes).
      floor_in_sandbox: 'outside-effects' as FloorInSandbox,
      allowlist: [] as string[],
      timeout_secs: 30,
      max_timeout_secs: 300,
      output_max_bytes: 65_536,
      approval_timeout_secs: 120,
      sandbox: SANDBOX_DEFAULTS,
    },
    web: {
      fetch: {
        ssrf_allowlist: [] as string[],
        max_bytes: 1_048_576,
        timeout_secs: 15,
        max_redirects: 3,
      },
    },
  },
  hooks: [] as Array<{ name: string; command: string; events: Array<'BeforeAgentStart' | 'BeforeToolCall' | 'AfterToolCall'>; tools?: string[] | undefined; guard: boolean; timeout_secs: number }>,
  ...CRON_DEFAULTS,
  channels: CHANNELS_DEFAULTS,
  tls: {
    enabled: true,
    auto_generate: true,
    cert_path: undefined as string | undefined,
    key_path: undefined as string | undefined,
    ca_cert_path: undefined as string | undefined,
    extra_names: [] as string[],
    leaf_validity_days: 90,
    renew_before_days: 30,
  },
  audit: AUDIT_DEFAULTS,
  monitoring: MONITORING_DEFAULTS,
};

// ---- schema ----

const int = (min: number, def: number, max?: number) =>
  (max === undefined ? z.int().min(min) : z.int().min(min).max(max)).prefault(def);
const bool = (def: boolean) => z.boolean().prefault(def);
const strings = (item: z.ZodType<string, string>, def: readonly string[]) => z.array(item).prefault(() => [...def]);
// Empty and absent both mean "unset" for paths.
const optionalPath = z.string().optional();
const unset = (v: string | undefined) => (v === '' ? undefined : v);

const D = defaults;

const throttleSchema = z.strictObject({
  enabled: bool(D.server.throttle.enabled),
  login_max: int(0, D.server.throttle.login_max),
  login_window_secs: int(1, D.server.throttle.login_window_secs),
  auth_max: int(0, D.server.throttle.auth_max),
  auth_window_secs: int(1, D.server.throttle.auth_window_secs),
  api_max: int(0, D.server.throttle.api_max),
  api_window_secs: int(1, D.server.throttle.api_window_secs),
  ws_max: int(0, D.server.throttle.ws_max),
  ws_window_secs: int(1, D.server.throttle.ws_window_secs),
  callback_max: int(0, D.server.throttle.callback_max),
  callback_window_secs: int(1, D.server.throttle.callback_window_secs),
  failure_max: int(1, D.server.throttle.failure_max),
  failure_window_secs: int(1, D.server.throttle.failure_window_secs),
  max_buckets: int(1, D.server.throttle.max_buckets),
});

const serverSchema = z.strictObject({
  bind: checked(bindProblem).prefault(D.server.bind),
  port: int(0, D.server.port, 65_535),
  allowed_origins: strings(checked(originProblem).transform(normalizeOrigin), D.server.allowed_origins),
  trusted_proxies: strings(checked(cidrProblem), D.server.trusted_proxies),
  behind_proxy: bool(D.server.behind_proxy),
  http_redirect_port: int(0, D.server.http_redirect_port, 65_535),
  max_connections: int(1, D.server.max_connections, 1_000_000),
  max_connections_per_ip: int(1, D.server.max_connections_per_ip, 1_000_000),
  headers_timeout_secs: int(1, D.server.headers_timeout_secs, 3600),
  request_timeout_secs: int(1, D.server.request_timeout_secs, 3600),
  unauthenticated_body_timeout_secs: int(1, D.server.unauthenticated_body_timeout_secs, 3600),
  throttle: throttleSchema.prefault({}),
}).superRefine((s, ctx) => {
  // Node refuses to start when the header deadline is longer than the whole-request one.
  if (s.http_redirect_port !== 0 && s.http_redirect_port === s.port) {
    ctx.addIssue({ code: 'custom', path: ['http_redirect_port'], input: s.http_redirect_port, message: `must differ from port (${s.port}): the redirect listener needs its own port, or 0 for off` });
  }
  if (s.headers_timeout_secs > s.request_timeout_secs) {
    ctx.addIssue({ code: 'custom', path: ['headers_timeout_secs'], input: s.headers_timeout_secs, message: `must not exceed request_timeout_secs (${s.request_timeout_secs})` });
  }
});

const loginGuardSchema = z
  .strictObject({
    ban_threshold: int(1, D.auth.login_guard.ban_threshold),
    ban_base_secs: int(1, D.auth.login_guard.ban_base_secs),
    ban_max_secs: int(1, D.auth.login_guard.ban_max_secs),
    max_tracked_ips: int(1, D.auth.login_guard.max_tracked_ips),
  })
  .superRefine((g, ctx) => {
    if (g.ban_base_secs > g.ban_max_secs) {
      ctx.addIssue({ code: 'custom', path: ['ban_base_secs'], input: g.ban_base_secs, message: `must not exceed ban_max_secs (${g.ban_max_secs})` });
    }
  });

const authSchema = z.strictObject({
  disabled: bool(D.auth.disabled),
  session_ttl_days: int(1, D.auth.session_ttl_days),
  session_idle_timeout_mins: int(1, D.auth.session_idle_timeout_mins),
  max_sessions: int(1, D.auth.max_sessions),
  // A setup code is a bearer secret for taking over a fresh install; keep its life short.
  setup_code_ttl_mins: int(1, D.auth.setup_code_ttl_mins, 1440),
  login_guard: loginGuardSchema.prefault({}),
});

const tlsSchema = z
  .strictObject({
    enabled: bool(D.tls.enabled),
    auto_generate: bool(D.tls.auto_generate),
    cert_path: optionalPath,
    key_path: optionalPath,
    ca_cert_path: optionalPath,
    extra_names: strings(checked(certNameProblem), D.tls.extra_names),
    // 825 days is the longest validity Apple platforms accept for TLS server certificates.
    leaf_validity_days: int(1, D.tls.leaf_validity_days, 825),
    renew_before_days: int(1, D.tls.renew_before_days),
  })
  .superRefine((t, ctx) => {
    const cert = unset(t.cert_path);
    const key = unset(t.key_path);
    if (cert !== undefined && key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['key_path'], message: 'cert_path is set, so key_path must be set too' });
    }
    if (key !== undefined && cert === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cert_path'], message: 'key_path is set, so cert_path must be set too' });
    }
    if (t.renew_before_days >= t.leaf_validity_days) {
      ctx.addIssue({ code: 'custom', path: ['renew_before_days'], input: t.renew_before_days, message: `must be less than leaf_validity_days (${t.leaf_validity_days})` });
    }
  })
  // Always present in the output (undefined when unset) so consumers see one shape.
  .transform((t) => ({ ...t, cert_path: unset(t.cert_path), key_path: unset(t.key_path), ca_cert_path: unset(t.ca_cert_path) }));

const agentSchema = z.strictObject({
  max_steps: int(1, D.agent.max_steps, 100),
  tool_timeout_secs: int(1, D.agent.tool_timeout_secs, 3600),
  request_timeout_secs: int(1, D.agent.request_timeout_secs, 3600),
  max_history_messages: int(2, D.agent.max_history_messages, 10_000),
});

/** A model endpoint: an http(s) URL without credentials (keys live in the vault or env vars). */
function baseUrlProblem(value: string): string | null {
  let u: URL;
  try { u = new URL(value); } catch { return 'expected a URL like "http://127.0.0.1:11434/v1"'; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'expected an http:// or https:// URL';
  // A key in the URL would sit in plaintext in moltis.toml: keys belong in the vault.
  if (u.username || u.password) return 'credentials do not belong in the URL: store the API key with `providers.save_key` (vault) or an env var';
  return null;
}

const providerSchema = z.strictObject({
  enabled: bool(true),
  base_url: checked(baseUrlProblem).optional(),
  models: z.array(z.string().min(1).max(200)).prefault(() => []),
  // An enabled provider that names no model could never answer: say so instead of starting without it.
}).refine((p) => !p.enabled || p.models.length > 0, { path: ['models'], message: 'an enabled provider needs at least one model, e.g. models = ["gpt-4o-mini"] (or set enabled = false)' });

export const PROVIDER_NAME = /^(openai|anthropic|custom-[a-z0-9][a-z0-9-]{0,62})$/;
const providersSchema = z.record(
  z.string().regex(PROVIDER_NAME, 'provider tables are [providers.openai], [providers.anthropic] or [providers.custom-<name>] (lower-case letters, digits, -)'),
  providerSchema,
).prefault(() => ({}));

// The original's names for the modes are accepted and mapped (one parser: exec-policy.ts).
const approvalMode = checked(approvalModeProblem).transform(parseApprovalMode).prefault(D.tools.exec.approval_mode);

const toolsSchema = z.strictObject({
  exec: z.strictObject({
    approval_mode: approvalMode,
    security_level: z.enum(SECURITY_LEVELS).prefault(D.tools.exec.security_level),
    floor_in_sandbox: z.enum(FLOOR_IN_SANDBOX).prefault(D.tools.exec.floor_in_sandbox),
    allowlist: strings(z.string().min(1).max(1000), D.tools.exec.allowlist),
    timeout_secs: int(1, D.tools.exec.timeout_secs, 86_400),
    max_timeout_secs: int(1, D.tools.exec.max_timeout_secs, 86_400),
    output_max_bytes: int(1024, D.tools.exec.output_max_bytes, 64 * 1024 * 1024),
    approval_timeout_secs: int(1, D.tools.exec.approval_timeout_secs, 86_400),
    sandbox: sandboxSchema.prefault({}),
  }).prefault({}),
  web: z.strictObject({
    fetch: z.strictObject({
      // Opening private ranges to the agent is an explicit choice, CIDR by CIDR.
      ssrf_allowlist: strings(checked(cidrProblem), D.tools.web.fetch.ssrf_allowlist),
      max_bytes: int(1, D.tools.web.fetch.max_bytes, 64 * 1024 * 1024),
      timeout_secs: int(1, D.tools.web.fetch.timeout_secs, 600),
      max_redirects: int(0, D.tools.web.fetch.max_redirects, 10),
    }).prefault({}),
  }).prefault({}),
});

export const HOOK_EVENTS = ['BeforeAgentStart', 'BeforeToolCall', 'AfterToolCall', 'SecurityAlert'] as const;
const hookSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'hook names are 1-64 letters, digits and _ . -'),
  command: z.string().min(1).max(4096),
  events: z.array(z.enum(HOOK_EVENTS)).min(1),
  tools: z.array(z.string().min(1).max(64)).optional(),
  // A guard fails closed: a crash or timeout blocks the call instead of letting it through.
  guard: z.boolean().prefault(false),
  timeout_secs: z.int().min(1).max(600).prefault(5),
});

/** Strict schema of moltis.toml: unknown keys anywhere are errors; every key has a default. */
export const ConfigSchema = z.strictObject({
  server: serverSchema.prefault({}),
  auth: authSchema.prefault({}),
  agent: agentSchema.prefault({}),
  providers: providersSchema,
  tools: toolsSchema.prefault({}),
  hooks: z.array(hookSchema).prefault(() => []),
  cron: cronSchema.prefault({}),
  heartbeat: heartbeatSchema.prefault({}),
  channels: channelsSchema.prefault({}),
  tls: tlsSchema.prefault({}),
  audit: auditSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
});

/** The validated, frozen configuration. */
export type Config = DeepReadonly<z.output<typeof ConfigSchema>>;

/** Freezes a value and everything reachable from it; returns the same value. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

/** Every default, deep-frozen. Equal to the result of loading an empty file with no overrides. */
export const DEFAULTS: Config = deepFreeze(defaults);
