/**
 * Checks of the effective configuration (file + environment), each naming the key to change.
 * Ids are stable: SECURITY.md and scripts refer to them.
 */
import { cidrMatcher, isLoopbackHost, METADATA_ADDRESSES, parseCidr, type Cidr } from '../../net/index.js';
import type { Check, Finding } from './types.js';
import { channelsAdminLevel, cronRateLimitLoose } from './feature-checks.js';

const remoteBind = (bind: string) => !isLoopbackHost(bind);
// Programs that run whatever follows them: a glob after one of these allows any command.
const RUNS_ANYTHING = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'sudo', 'doas', 'su', 'env', 'eval', 'exec', 'xargs', 'nohup', 'timeout', 'nice', 'python', 'python3', 'perl', 'ruby', 'node', 'php', 'lua', 'awk', 'find', 'busybox']);

export const authDisabled: Check = ({ config }) => config.auth.disabled ? [{
  id: 'auth.disabled', severity: 'critical',
  message: 'authentication is disabled: every process on this machine (any user, any local program) has full admin access, and nothing is attributable in the audit log',
  fix: 'set [auth] disabled = false in moltis.toml (then set a password at first start)',
}] : [];

export const remoteBindNoPassword: Check = ({ config, credentials }) => remoteBind(config.server.bind) && credentials === false && !config.auth.disabled ? [{
  id: 'auth.remote_bind_no_password', severity: 'critical',
  message: `the gateway listens on ${config.server.bind} (reachable from the network) but no password or passkey is set: setup is open to whoever obtains the setup code`,
  fix: 'set a password now from this machine (open the UI on https://localhost:<port>), or bind 127.0.0.1 ([server] bind) until you have',
}] : [];

export const tlsOffNotBehindProxy: Check = ({ config }) => !config.tls.enabled && !config.server.behind_proxy ? [{
  id: 'tls.off_not_behind_proxy', severity: remoteBind(config.server.bind) ? 'critical' : 'warn',
  message: 'TLS is off and no TLS-terminating proxy is declared: passwords, cookies and API keys travel in clear text',
  fix: 'set [tls] enabled = true (drop --no-tls / MOLTIS_NO_TLS), or, behind a proxy that terminates TLS, set [server] behind_proxy = true',
}] : [];

// (A /0 in trusted_proxies is refused by the config schema itself.)
export const proxyTrust: Check = ({ config }) => {
  const s = config.server;
  if (!s.behind_proxy) return [];
  const out: Finding[] = [];
  if (s.trusted_proxies.length === 0) out.push({
    id: 'proxy.behind_proxy_without_trusted_proxies', severity: 'warn',
    message: 'behind_proxy is set but trusted_proxies is empty: every client appears as the proxy, so per-client throttles and login bans hit everyone at once',
    fix: 'list your proxy\'s address in [server] trusted_proxies, e.g. ["127.0.0.1/32"] or ["10.0.0.5/32"]',
  });
  return out;
};

const sandboxOff = (c: Parameters<Check>[0]['config']) => !c.tools.exec.sandbox.enabled || c.tools.exec.sandbox.backend === 'none';

export const approvalNeverWithoutSandbox: Check = ({ config }) => config.tools.exec.approval_mode === 'never' && sandboxOff(config) ? [{
  id: 'exec.approval_never_without_sandbox', severity: 'critical',
  message: 'approval_mode = "never" with the sandbox off: the model runs any command on this host, as this user, without asking',
  fix: 'set [tools.exec] approval_mode = "smart" (or "always"), or turn the sandbox on ([tools.exec.sandbox] enabled = true, backend = "auto")',
}] : [];

/** True when an allowlist entry lets through any command (or any command of an interpreter). */
export function opensFloorWholesale(entry: string): boolean {
  const words = entry.trim().split(/\s+/);
  const first = words[0] ?? '';
  if (first.includes('*') || first.includes('?')) return true;
  const base = first.split('/').pop() ?? first;
  return RUNS_ANYTHING.has(base) && words.slice(1).some((w) => /[*?]/.test(w));
}

export const allowlistTooBroad: Check = ({ config }) => {
  const bad = config.tools.exec.allowlist.filter(opensFloorWholesale);
  return bad.length ? [{
    id: 'exec.allowlist_too_broad', severity: 'critical',
    message: `[tools.exec] allowlist entries exempt every command (or any program an interpreter runs) from the dangerous-command floor: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
    fix: 'replace them with exact commands or narrow globs, e.g. "git push --force origin feature/*"; check one with `moltis approval check --allow ENTRY -- COMMAND`',
  }] : [];
};

export const sandboxDisabled: Check = ({ config }) => sandboxOff(config) ? [{
  id: 'sandbox.disabled', severity: 'warn',
  message: 'commands run on the host, not in a sandbox: a command the approval step misjudges has this user\'s full access',
  fix: 'set [tools.exec.sandbox] enabled = true and backend = "auto" (install bubblewrap or podman)',
}] : [];

export const trustedDomainsWildcard: Check = ({ config }) => {
  const s = config.tools.exec.sandbox;
  const wild = s.network === 'trusted' ? s.trusted_domains.filter((d) => d.includes('*')) : [];
  return wild.length ? [{
    id: 'sandbox.trusted_domains_wildcard', severity: 'warn',
    message: `trusted_domains has wildcards (${wild.join(', ')}): every subdomain, including user-content hosts, is a way out for data`,
    fix: 'list the exact hosts the sandbox needs in [tools.exec.sandbox] trusted_domains',
  }] : [];
};

export const ssrfAllowlistCoversMetadata: Check = ({ config }) => {
  const cidrs = config.tools.web.fetch.ssrf_allowlist.map((c) => parseCidr(c)).filter((p): p is { ok: true; cidr: Cidr } => p.ok).map((p) => p.cidr);
  const inside = cidrMatcher(cidrs);
  const hits = METADATA_ADDRESSES.filter((a) => inside(a));
  return hits.length ? [{
    id: 'ssrf.allowlist_covers_metadata', severity: 'critical',
    message: `[tools.web.fetch] ssrf_allowlist covers the cloud metadata address ${hits.join(', ')}: web_fetch can read instance credentials`,
    fix: 'narrow ssrf_allowlist to the networks you need so it excludes 169.254.169.254 (and fd00:ec2::254, 100.100.100.200)',
  }] : [];
};

export const webauthnRpMismatch: Check = ({ env }) => {
  const rp = env.MOLTIS_WEBAUTHN_RP_ID?.trim().toLowerCase();
  const origin = env.MOLTIS_WEBAUTHN_ORIGIN?.trim();
  if (!rp || !origin) return [];
  let host: string;
  try { host = new URL(origin).hostname; } catch { host = ''; }
  return host === rp || host.endsWith(`.${rp}`) ? [] : [{
    id: 'webauthn.rp_id_mismatch', severity: 'warn',
    message: `MOLTIS_WEBAUTHN_ORIGIN (${origin}) is not on MOLTIS_WEBAUTHN_RP_ID (${rp}): passkey registration and login will fail`,
    fix: 'set MOLTIS_WEBAUTHN_RP_ID to the origin\'s host (or a parent domain of it)',
  }];
};

export const guardNotFailClosed: Check = ({ config }) => config.hooks.filter((h) => h.events.includes('BeforeToolCall') && !h.guard).map((h) => ({
  id: 'hooks.guard_not_fail_closed', severity: 'warn' as const,
  message: `hook "${h.name}" runs before tool calls but is not a guard: if it crashes or times out, the call goes ahead`,
  fix: `set guard = true on [[hooks]] "${h.name}" if it is meant to block calls`,
}));

/** Every configuration check, in report order. */
export const CONFIG_CHECKS: readonly Check[] = [
  authDisabled, remoteBindNoPassword, tlsOffNotBehindProxy, proxyTrust, webauthnRpMismatch,
  approvalNeverWithoutSandbox, allowlistTooBroad, sandboxDisabled, trustedDomainsWildcard, ssrfAllowlistCoversMetadata, guardNotFailClosed,
  cronRateLimitLoose, channelsAdminLevel,
];
