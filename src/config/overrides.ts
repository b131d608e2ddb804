/**
 * Environment and CLI overrides, applied to the parsed TOML document before validation so that
 * an override is checked exactly like a value written in the file.
 */
import type { ConfigIssue } from './errors.js';
import type { KeyPath } from './locate.js';

/** CLI flags that override the file and the environment. */
export interface CliOverrides {
  readonly bind?: string;
  readonly port?: number;
  /** `--no-tls`: true forces tls.enabled = false; false/absent changes nothing. */
  readonly noTls?: boolean;
  /** `--behind-proxy`: true forces server.behind_proxy = true; false/absent changes nothing. */
  readonly behindProxy?: boolean;
}

/** Process environment shape (values may be absent). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Env vars with a meaning of their own; never treated as generic `MOLTIS_A__B` overrides. */
export const RESERVED_ENV = new Set([
  'MOLTIS_CONFIG_DIR',
  'MOLTIS_DATA_DIR',
  'MOLTIS_TOKEN',
  'MOLTIS_PASSWORD',
  'MOLTIS_NO_TLS',
  'MOLTIS_BEHIND_PROXY',
  'MOLTIS_ALLOW_TLS_BEHIND_PROXY',
  'MOLTIS_WEBAUTHN_RP_ID',
  'MOLTIS_WEBAUTHN_ORIGIN',
  'MOLTIS_EXTERNAL_URL',
  'MOLTIS_E2E_SETUP_CODE',
]);

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Reads a boolean env flag: `1/true/yes/on` → true, `0/false/no/off`/empty/unset → false,
 * anything else → null (the caller must reject it rather than guess).
 */
export function parseEnvFlag(value: string | undefined): boolean | null {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return null;
}

/** Where each overridden path came from (dotted id → label such as `env MOLTIS_SERVER__PORT`). */
export type OverrideOrigins = Map<string, { readonly path: KeyPath; readonly label: string }>;

const isTable = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Sets `path` in `doc`, creating tables on the way. Only own properties are followed and
 * properties are defined, not assigned, so a segment like `__proto__` or `constructor` becomes
 * an ordinary (and then rejected as unknown) key instead of reaching Object.prototype.
 */
function setPath(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = doc;
  for (const [k, seg] of path.entries()) {
    if (k === path.length - 1) {
      Object.defineProperty(cur, seg, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    let next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    if (!isTable(next)) {
      next = {};
      Object.defineProperty(cur, seg, { value: next, enumerable: true, writable: true, configurable: true });
    }
    cur = next as Record<string, unknown>;
  }
}

/** An env value is JSON when it parses as JSON (numbers, booleans, arrays, objects), else a string. */
function envValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Applies, in increasing precedence: generic `MOLTIS_<A>__<B>…` env overrides, the dedicated
 * `MOLTIS_BEHIND_PROXY` / `MOLTIS_NO_TLS` variables, then CLI flags. Mutates `doc`.
 * Returns the origin of every overridden path and the problems found in env names/flags.
 */
export function applyOverrides(doc: Record<string, unknown>, env: Env, cli: CliOverrides): { origins: OverrideOrigins; issues: ConfigIssue[] } {
  const origins: OverrideOrigins = new Map();
  const issues: ConfigIssue[] = [];
  const set = (path: string[], value: unknown, label: string): void => {
    setPath(doc, path, value);
    origins.set(path.join('.'), { path, label });
  };

  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (raw === undefined || !name.startsWith('MOLTIS_') || !name.includes('__') || RESERVED_ENV.has(name)) continue;
    const segments = name.slice('MOLTIS_'.length).toLowerCase().split('__');
    if (segments.some((s) => s === '')) {
      // Fail closed: a malformed name is a typo we cannot map, not something to ignore.
      issues.push({ key: segments.join('.'), line: 0, column: 0, source: `env ${name}`, message: 'malformed override name (empty segment between "__")' });
      continue;
    }
    set(segments, envValue(raw), `env ${name}`);
  }

  const flagEnv = (name: string, path: string[], whenTrue: boolean): void => {
    const flag = parseEnvFlag(env[name]);
    // Fail closed: an unrecognized value is an error, never silently "off".
    if (flag === null) {
      issues.push({ key: path.join('.'), line: 0, column: 0, source: `env ${name}`, message: `expected 1/true/yes/on or 0/false/no/off, got ${JSON.stringify(env[name])}` });
    } else if (flag) {
      set(path, whenTrue, `env ${name}`);
    }
  };
  flagEnv('MOLTIS_BEHIND_PROXY', ['server', 'behind_proxy'], true);
  flagEnv('MOLTIS_NO_TLS', ['tls', 'enabled'], false);

  if (cli.bind !== undefined) set(['server', 'bind'], cli.bind, 'flag --bind');
  if (cli.port !== undefined) set(['server', 'port'], cli.port, 'flag --port');
  if (cli.noTls === true) set(['tls', 'enabled'], false, 'flag --no-tls');
  if (cli.behindProxy === true) set(['server', 'behind_proxy'], true, 'flag --behind-proxy');
  return { origins, issues };
}

/** The override that produced (or contains) `path`, if any; the most specific one wins. */
export function originOf(origins: OverrideOrigins, path: KeyPath): string | undefined {
  let best: { len: number; label: string } | undefined;
  for (const { path: p, label } of origins.values()) {
    const len = Math.min(p.length, path.length);
    const related = p.slice(0, len).every((seg, k) => seg === path[k]);
    if (related && (!best || p.length > best.len)) best = { len: p.length, label };
  }
  return best?.label;
}
