/**
 * Error codes of the config capability. Callers branch on `.code`, never on message text.
 */
export const CONFIG_ERROR_CODES = {
  /** moltis.toml is not valid TOML. */
  PARSE: 'CONFIG_PARSE',
  /** The document parsed but does not match the schema (unknown key, wrong type, out of range…). */
  INVALID: 'CONFIG_INVALID',
  /** The file or its directory could not be read or created. */
  IO: 'CONFIG_IO',
} as const;

/** One of {@link CONFIG_ERROR_CODES}. */
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[keyof typeof CONFIG_ERROR_CODES];

/**
 * One problem found in the configuration.
 * `line`/`column` are 1-based positions in the file, or 0/0 when the value came from an
 * environment variable or a CLI flag (then `source` names it, e.g. `env MOLTIS_SERVER__FOO`).
 */
export interface ConfigIssue {
  /** Dotted key path, e.g. `server.throttle.foo` or `server.allowed_origins[0]`. */
  readonly key: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The file path, `env <NAME>` or `flag --<name>`. */
  readonly source: string;
}

/** Renders an issue as `<file>:<line>:<column>: <key>: <message>` (or `<source>: <key>: …`). */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.source}:${issue.line}:${issue.column}` : issue.source;
  return issue.key ? `${where}: ${issue.key}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Thrown by config loading; every problem found is listed in `issues`, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  /** Path of the config file involved. */
  readonly file: string;
  /** Position of the first issue (for CONFIG_PARSE: the syntax error), 0 when not in the file. */
  readonly line: number;
  readonly column: number;
  readonly issues: readonly ConfigIssue[];

  constructor(code: ConfigErrorCode, file: string, issues: readonly ConfigIssue[], message?: string, options?: ErrorOptions) {
    super(message ?? ConfigError.summarize(issues), options);
    this.code = code;
    this.file = file;
    this.issues = Object.freeze([...issues]);
    this.line = issues[0]?.line ?? 0;
    this.column = issues[0]?.column ?? 0;
  }

  private static summarize(issues: readonly ConfigIssue[]): string {
    if (issues.length === 1 && issues[0]) return formatIssue(issues[0]);
    const n = issues.length;
    return `invalid configuration (${n} problems):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`;
  }
}
