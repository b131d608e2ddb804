/**
 * The documented example moltis.toml, generated from DEFAULTS and DESCRIPTIONS so that it
 * cannot drift from the schema: a missing description is a type error.
 */
import { DEFAULTS, type Config } from './schema.js';
import { CRON_DESCRIPTIONS } from './cron-schema.js';
import { CHANNELS_DESCRIPTIONS, CHANNELS_EXAMPLE } from './channels-schema.js';

/** Mirrors the shape of Config: a one-line description per key, `$` describes a table. */
type Describe<T> = { readonly $: string } & {
  readonly [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[]
    ? string
    : NonNullable<T[K]> extends object
      ? Describe<NonNullable<T[K]>>
      : string;
};

/** One line of explanation for every table and key of moltis.toml. */
export const DESCRIPTIONS: Omit<Describe<Config>, '$' | 'providers' | 'hooks' | 'channels'> & { channels: Omit<Describe<Config['channels']>, 'telegram' | 'slack'> } = {
  server: {
    $: 'HTTPS/WebSocket listener.',
    bind: 'Address to listen on; keep 127.0.0.1 unless you expose the gateway through a proxy or tunnel.',
    port: 'TCP port (0 picks a free port, for tests).',
    allowed_origins: 'Extra browser origins allowed for WebSocket upgrades and state-changing requests, e.g. ["https://chat.example.com"].',
    trusted_proxies: 'Networks (CIDR) of reverse proxies whose X-Forwarded-* headers are trusted when behind_proxy is true.',
    behind_proxy: 'Set when a reverse proxy fronts the gateway: no request is then treated as local (same as MOLTIS_BEHIND_PROXY=1).',
    http_redirect_port: 'Plain-HTTP port that only redirects browsers to the HTTPS port (0 = off; ignored with TLS off). The HTTPS port itself already redirects plain HTTP.',
    max_connections: 'Most TCP connections (HTTP and WebSocket) open at once; keep well below the process file limit (ulimit -n).',
    max_connections_per_ip: 'Most connections open at once from one client address (a trusted proxy is exempt when behind_proxy is true).',
    headers_timeout_secs: 'Seconds a client has to send a request\'s headers before the connection is closed.',
    request_timeout_secs: 'Seconds a client has to send a whole request, body included (at least headers_timeout_secs).',
    unauthenticated_body_timeout_secs: 'Seconds a request without a credential has to send its body (login, setup) before it gets 408.',
    throttle: {
      $: 'Per-client-IP request limits (fixed windows); a *_max of 0 denies every request of that class.',
      enabled: 'Turn request throttling on or off.',
      login_max: 'Login attempts allowed per window.',
      login_window_secs: 'Length of the login window in seconds.',
      auth_max: 'Other auth endpoint requests allowed per window.',
      auth_window_secs: 'Length of the auth window in seconds.',
      api_max: 'API requests allowed per window.',
      api_window_secs: 'Length of the API window in seconds.',
      ws_max: 'WebSocket upgrade attempts allowed per window.',
      ws_window_secs: 'Length of the WebSocket window in seconds.',
      callback_max: 'Chat-platform callbacks (Slack Events API, Telegram webhook) allowed per window and client IP, counted before their signature is checked.',
      callback_window_secs: 'Length of the platform callback window in seconds.',
      failure_max: 'Refused requests (missing scope, unknown method, bad request) one credential may make per window before its requests get 429 / RATE_LIMITED for a window.',
      failure_window_secs: 'Length of the refused-request window (and of the throttle that follows) in seconds.',
      max_buckets: 'Most client buckets kept in memory at once (bounds memory use under attack).',
    },
  },
  auth: {
    $: 'Authentication and sessions.',
    disabled: 'Disable authentication entirely (only honoured before the first credential exists).',
    session_ttl_days: 'Absolute lifetime of a login session in days.',
    session_idle_timeout_mins: 'A session unused for this many minutes ends (10080 = 7 days).',
    max_sessions: 'Most concurrent sessions; creating one more ends the oldest.',
    setup_code_ttl_mins: 'Minutes a first-run setup code stays valid (at most 1440).',
    login_guard: {
      $: 'Bans an IP after repeated failed logins.',
      ban_threshold: 'Consecutive failures from one IP before it is banned.',
      ban_base_secs: 'Length of the first ban in seconds; each further ban doubles it.',
      ban_max_secs: 'Longest ban in seconds.',
      max_tracked_ips: 'Most IPs tracked at once (bounds memory use under attack).',
    },
  },
  agent: {
    $: 'The agent\'s turn loop.',
    max_steps: 'Model calls per turn; each tool round trip uses one (1-100).',
    tool_timeout_secs: 'A tool call running longer than this is stopped and reported as failed.',
    request_timeout_secs: 'A model request that has not finished after this many seconds is aborted.',
    max_history_messages: 'Most past messages of a session sent to the model with each turn.',
  },
  tools: {
    $: 'The agent\'s tools.',
    exec: {
      $: 'Shell commands run by the agent (the exec tool).',
      approval_mode: 'When to ask a human first: "always", "smart" (read-only commands run, the rest ask; default) or "never"; the dangerous-command floor asks in every mode.',
      security_level: 'The brief\'s level: "full" (approval_mode decides; the dangerous-command floor still asks), "allowlist" (only allowlisted commands run unasked) or "deny" (every command is refused).',
      floor_in_sandbox: 'Floor rules that still ask inside a sandbox: "outside-effects" (workspace, git history, and remote databases/clusters/clouds when the sandbox has network; default), "all" or "off".',
      allowlist: 'Commands (exact, or with * globs) exempt from the dangerous-command floor, e.g. ["git push --force origin feature/*"].',
      timeout_secs: 'Default time limit of a command; the whole process tree is killed after it.',
      max_timeout_secs: 'Largest time limit the agent may ask for.',
      output_max_bytes: 'Most bytes of stdout (and of stderr) kept per command.',
      approval_timeout_secs: 'An approval request not answered within this many seconds is denied.',
      sandbox: {
        $: 'Where commands run. Each chat session gets its own sandbox, workspace and home.',
        enabled: 'Run commands in a sandbox (default). Off = on the host, with approvals as the only barrier.',
        backend: 'Backend: "auto" (strongest that works here), "bwrap", "oci" (podman, else docker), "podman", "docker", "apple-container" or "none".',
        image: 'OCI image for the oci/podman/docker/apple-container backends (built locally; nothing is pulled).',
        oci_args: 'Extra global arguments for the container engine, e.g. ["--runtime", "/usr/sbin/runc", "--cgroup-manager", "cgroupfs"].',
        resource_limits: {
          $: 'Limits applied by every backend.',
          memory_limit: 'Memory per sandbox, e.g. "512M" or "2G".',
          cpu_quota: 'CPU cores per sandbox (1.0 = one core).',
          pids_max: 'Most processes per sandbox (stops fork bombs).',
          file_size_limit: 'Largest file a command may write (RLIMIT_FSIZE), e.g. "1G"; a bigger write fails.',
          disk_limit: 'Most disk a session\'s workspace and home may hold together, e.g. "2G"; a command that goes past it is killed.',
        },
        network: 'Network: "none" = no network at all (default; no_network = true says the same); "trusted" = only through the gateway\'s filtering proxy, to trusted_domains.',
        trusted_domains: 'Domains reachable in "trusted" mode, e.g. ["api.github.com", "*.npmjs.org"]; "*" and "*.com" are refused.',
      },
    },
    web: {
      $: 'Web access.',
      fetch: {
        $: 'The web_fetch tool (SSRF-guarded).',
        ssrf_allowlist: 'Private networks (CIDR) web_fetch may reach anyway, e.g. ["172.22.0.0/16"]; never add 169.254.169.254.',
        max_bytes: 'Most bytes of a response body kept.',
        timeout_secs: 'Time limit of one fetch, redirects included.',
        max_redirects: 'Redirects followed (each one re-checked).',
      },
    },
  },
  ...CRON_DESCRIPTIONS,
  channels: CHANNELS_DESCRIPTIONS,
  tls: {
    $: 'TLS for the listener.',
    enabled: 'Serve HTTPS; set false only behind a TLS-terminating proxy (same as --no-tls / MOLTIS_NO_TLS=1).',
    auto_generate: 'Create a local CA and a leaf certificate when no cert_path/key_path is given.',
    cert_path: 'PEM certificate chain to serve instead of the generated one (requires key_path).',
    key_path: 'PEM private key for cert_path (requires cert_path).',
    ca_cert_path: 'PEM CA certificate to offer for download/trust instead of the generated CA.',
    extra_names: 'Extra DNS names or IP addresses for the generated leaf certificate, e.g. ["moltis.lan", "192.168.1.10"].',
    leaf_validity_days: 'Validity of a generated leaf certificate in days (at most 825).',
    renew_before_days: 'Renew the generated leaf certificate this many days before it expires.',
  },
  audit: {
    $: 'The hash-chained security audit log (check it with `moltis audit verify`).',
    max_age_days: 'Entries older than this many days are pruned from the start of the log (0: keep forever); a checkpoint keeps the rest verifiable.',
    max_entries: 'Most entries kept; the oldest beyond it are pruned (at least 1000).',
  },
  monitoring: {
    $: 'Security alerts over the audit log (security.alerts.list; forward them with a SecurityAlert hook).',
    enabled: 'Watch the audit log and raise alerts (cron.rapid_creation, identity.modification, exec.unusual_command, channels.unexpected_sender, auth.*, sandbox.disabled, audit.chain_broken, audit.retention_pressure).',
    cron_creations_warn: 'Cron job creations within one cron rate-limit window that raise cron.rapid_creation (a refusal by the limit always does).',
    exec_denied_burst: 'Denied approvals within exec_window_secs that raise exec.unusual_command.',
    exec_window_secs: 'Window in seconds for exec_denied_burst.',
    new_senders_burst: 'New pending channel senders within senders_window_secs that raise channels.unexpected_sender.',
    senders_window_secs: 'Window in seconds for new_senders_burst.',
    max_alerts_per_rule_per_hour: 'Most alerts one rule raises an hour; the rest are counted in the next one, so a flood cannot bury the log.',
    retention_pressure_percent: 'Raise audit.retention_pressure when [audit] max_entries pushes out this percent of max_entries (entries still younger than max_age_days) within retention_pressure_window_hours (someone may be flooding the log).',
    retention_pressure_window_hours: 'Window in hours for retention_pressure_percent.',
    unusual_commands: 'Raise exec.unusual_command when a command runs a program never seen before in its session family (main, cron:<job>, <channel>:<account>:<chat>).',
    unusual_commands_severity: 'Severity of those alerts: "info" or "warn".',
    unusual_commands_learning_hours: 'No such alert while a session family is younger than this many hours (learning period).',
    unusual_commands_learning_runs: 'Nor while it has run fewer commands than this (learning period).',
    unusual_commands_max_shapes: 'Most program names remembered per session family (least recently seen are forgotten first).',
    unusual_commands_max_families: 'Most session families remembered (least recently active are forgotten first).',
  },
};

// Provider tables have user-chosen names, so they are shown as commented examples, not defaults.
const PROVIDERS_EXAMPLE = [
  '',
  '# LLM providers. None is configured by default; the first enabled model is the default model.',
  '# API keys are never written here: store them in the vault (RPC providers.save_key, admin) or set',
  '# OPENAI_API_KEY / ANTHROPIC_API_KEY in the gateway\'s environment. OPENAI_BASE_URL overrides the openai base_url.',
  '#   [providers.openai]',
  '#   enabled = true',
  '#   base_url = "https://api.openai.com/v1"',
  '#   models = ["gpt-4o-mini"]',
  '#   [providers.anthropic]',
  '#   models = ["claude-sonnet-4-5"]',
  '# Any OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp):',
  '#   [providers.custom-ollama]',
  '#   base_url = "http://127.0.0.1:11434/v1"',
  '#   models = ["llama3.2"]',
];

const HOOKS_EXAMPLE = [
  '',
  '# Hooks: a shell command run on events with the event as JSON on stdin. Exit 0 allows (stdout may',
  '# be {"input": {...}} to modify a tool call); non-zero blocks with stderr as the reason. guard = true',
  '# fails closed on a crash or timeout. Example: the Destructive Command Guard on every exec call:',
  '#   [[hooks]]',
  '#   name = "dcg"',
  '#   command = "dcg"',
  '#   events = ["BeforeToolCall"]',
  '#   tools = ["exec"]',
  '#   guard = true',
  '#   timeout_secs = 5',
];

const isTable = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** TOML literal for a default value; an unset optional shows as "" (which also means unset). */
function tomlValue(value: unknown): string {
  if (value === undefined) return '""';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  throw new Error(`no TOML rendering for ${typeof value}`);
}

function oneLine(text: unknown, where: string): string {
  if (typeof text !== 'string' || text === '' || text.includes('\n')) throw new Error(`config example: missing or multi-line description for ${where}`);
  return text;
}

function renderTable(path: string[], defaults: Record<string, unknown>, notes: Record<string, unknown>, out: string[]): void {
  const name = path.join('.');
  out.push('', `# ${oneLine(notes.$, name)}`, `[${name}]`);
  const subtables: string[] = [];
  for (const [key, value] of Object.entries(defaults)) {
    if (isTable(value)) {
      subtables.push(key);
      continue;
    }
    out.push(`# ${oneLine(notes[key], `${name}.${key}`)}`, `# ${key} = ${tomlValue(value)}`);
  }
  for (const key of subtables) {
    const sub = notes[key];
    renderTable([...path, key], defaults[key] as Record<string, unknown>, isTable(sub) ? sub : {}, out);
  }
}

/**
 * The example moltis.toml: every table header, and every key commented out with its default
 * and a one-line description. Loading it as is, or with every `# key = value` line
 * uncommented, yields DEFAULTS.
 */
export function exampleToml(): string {
  const out = [
    '# Moltis configuration.',
    '# Every key is shown commented out with its default; uncomment a line to change it.',
    '# Unknown keys are errors. Environment variables MOLTIS_<TABLE>__<KEY> (e.g. MOLTIS_SERVER__PORT=8443)',
    '# override this file; values are read as JSON when they parse, e.g. MOLTIS_TLS__EXTRA_NAMES=["a.example"].',
  ];
  const notes = DESCRIPTIONS as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(DEFAULTS)) {
    if (key === 'providers' || key === 'hooks') continue;
    const sub = notes[key];
    // Channel accounts are user-named tables: shown in CHANNELS_EXAMPLE, not as defaults.
    const { telegram: _t, slack: _s, ...plain } = value as Record<string, unknown>;
    renderTable([key], key === 'channels' ? plain : value as Record<string, unknown>, isTable(sub) ? sub : {}, out);
  }
  out.push(...PROVIDERS_EXAMPLE, ...HOOKS_EXAMPLE, ...CHANNELS_EXAMPLE);
  return `${out.join('\n')}\n`;
}
