/**
 * Loads moltis.toml: write the example on first run, parse, apply overrides, validate strictly,
 * freeze. Every problem is reported at once with its file position.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { CONFIG_ERROR_CODES, ConfigError, type ConfigIssue } from './errors.js';
import { exampleToml } from './example.js';
import { indexToml, locateKey, type KeyPath } from './locate.js';
import { applyOverrides, originOf, type CliOverrides, type Env, type OverrideOrigins } from './overrides.js';
import { ConfigSchema, DEFAULTS, deepFreeze, type Config } from './schema.js';

/** Name of the config file inside the config directory. */
export const CONFIG_FILE_NAME = 'moltis.toml';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  readonly configDir: string;
  /** Environment to read overrides from; defaults to none (pass process.env explicitly). */
  readonly env?: Env;
  /** CLI flags; they win over the file and the environment. */
  readonly overrides?: CliOverrides;
  /** Write the documented example when the file is missing (default true). */
  readonly writeExample?: boolean;
}

/** Result of {@link loadConfig}. */
export interface LoadedConfig {
  readonly config: Config;
  /** Path of the config file (it may not exist when writeExample is false). */
  readonly path: string;
  /** True when this call wrote the example file. */
  readonly created: boolean;
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Name used in messages and positions (usually the file path). */
  readonly file?: string;
  readonly env?: Env;
  readonly overrides?: CliOverrides;
}

/**
 * Loads `<configDir>/moltis.toml`, creating it (dir 0700, file 0600) from the example when it
 * is missing and `writeExample` is not false. Throws {@link ConfigError}.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const path = join(opts.configDir, CONFIG_FILE_NAME);
  const created = opts.writeExample !== false && writeExampleIfMissing(opts.configDir, path);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    if (!isErrno(err, 'ENOENT') || opts.writeExample !== false) throw ioError(path, 'cannot read config file', err);
    source = ''; // no file and asked not to create one: defaults plus overrides
  }
  const config = parseConfig(source, { file: path, env: opts.env, overrides: opts.overrides });
  return { config, path, created };
}

/** Parses and validates TOML text with overrides; pure apart from reading `opts.env`. Throws {@link ConfigError}. */
export function parseConfig(source: string, opts: ParseConfigOptions = {}): Config {
  const file = opts.file ?? CONFIG_FILE_NAME;
  let doc: Record<string, unknown>;
  try {
    doc = parse(source) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
    const issue: ConfigIssue = { key: '', line: err.line, column: err.column, message: reason, source: file };
    const message = `${file}:${err.line}:${err.column}: ${reason}\n\n${err.codeblock}`;
    throw new ConfigError(CONFIG_ERROR_CODES.PARSE, file, [issue], message, { cause: err });
  }

  // The file as written first: a bad value must not hide behind a flag or env var that overrides it.
  const asWritten = ConfigSchema.safeParse(doc);
  const fileIssues = asWritten.success ? [] : toIssues(asWritten.error.issues, { file, source, doc, origins: new Map() });
  const { origins, issues } = applyOverrides(doc, opts.env ?? {}, opts.overrides ?? {});
  const result = ConfigSchema.safeParse(doc);
  if (!result.success) issues.push(...toIssues(result.error.issues, { file, source, doc, origins }));
  const seen = new Set(issues.map((i) => `${i.key}\u0000${i.source}`));
  const all = [...fileIssues.filter((i) => !seen.has(`${i.key}\u0000${i.source}`)), ...issues];
  // Fail closed: any problem, in the file or in an override, stops startup.
  if (all.length > 0 || !result.success) throw new ConfigError(CONFIG_ERROR_CODES.INVALID, file, all);
  return deepFreeze(result.data);
}

function writeExampleIfMissing(dir: string, path: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // 'wx' = O_CREAT|O_EXCL: never clobbers or follows an existing file or symlink.
    writeFileSync(path, exampleToml(), { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw ioError(path, 'cannot create example config file', err);
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function ioError(path: string, what: string, err: unknown): ConfigError {
  const reason = err instanceof Error ? err.message : String(err);
  return new ConfigError(CONFIG_ERROR_CODES.IO, path, [], `${path}: ${what}: ${reason}`, { cause: err });
}

// ---- zod issues → positioned, readable issues ----

interface IssueContext {
  readonly file: string;
  readonly source: string;
  readonly doc: unknown;
  readonly origins: OverrideOrigins;
}

function toIssues(zodIssues: readonly z.core.$ZodIssue[], ctx: IssueContext): ConfigIssue[] {
  const index = indexToml(ctx.source);
  const byKey = new Map<string, ConfigIssue>();
  for (const zi of zodIssues) {
    const base = zi.path.filter((p): p is string | number => typeof p !== 'symbol');
    const entries: { path: KeyPath; message: string }[] =
      zi.code === 'unrecognized_keys'
        ? zi.keys.map((k) => ({ path: [...base, k], message: unknownKeyMessage(k, base) }))
        : zi.code === 'invalid_key'
          // A record key (e.g. a provider table name) that fails its pattern: give the pattern's own message.
          ? [{ path: base, message: zi.issues[0]?.message ?? zi.message }]
          : [{ path: base, message: valueMessage(zi, valueAt(ctx.doc, base)) }];
    for (const { path, message } of entries) {
      const key = dotted(path);
      const label = originOf(ctx.origins, path);
      const pos = label === undefined ? locateKey(index, path) : { line: 0, column: 0 };
      // zod may report one bound twice (its safe-integer range, then ours); keep the last.
      byKey.set(`${key}\u0000${zi.code}`, { key, line: pos.line, column: pos.column, message, source: label ?? ctx.file });
    }
  }
  return [...byKey.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}

function dotted(path: KeyPath): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function valueAt(doc: unknown, path: KeyPath): unknown {
  let cur = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

function unknownKeyMessage(key: string, table: KeyPath): string {
  const defaults = valueAt(DEFAULTS, table);
  const allowed = defaults !== null && typeof defaults === 'object' ? Object.keys(defaults).join(', ') : '';
  return `unknown key ${JSON.stringify(key)} (allowed: ${allowed})`;
}

// Every numeric key of the schema is an integer, so zod's "number" is reported as such.
const TYPE_NAMES: Record<string, string> = { int: 'an integer', number: 'an integer', string: 'a string', boolean: 'a boolean', array: 'an array', object: 'a table' };

/** A value as the user would recognize it, shortened. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Date) return `date ${value.toISOString()}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'a table';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueMessage(zi: z.core.$ZodIssue, value: unknown): string {
  const got = `got ${describe(value)}`;
  switch (zi.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[zi.expected] ?? zi.expected}, ${got}`;
    case 'too_big':
      return zi.origin === 'array' ? `expected at most ${zi.maximum} items, ${got}` : `expected a value <= ${zi.maximum}, ${got}`;
    case 'too_small':
      return zi.origin === 'array' ? `expected at least ${zi.minimum} items, ${got}` : `expected a value >= ${zi.minimum}, ${got}`;
    case 'custom':
      // A refined secret (e.g. a channel token) is never echoed into an error or a log.
      return value === undefined || (zi.params as { secret?: unknown } | undefined)?.secret === true ? zi.message : `${zi.message}, ${got}`;
    default:
      return `${zi.message}, ${got}`;
  }
}
