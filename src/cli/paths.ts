import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** Resolves the config and data directories: flag, then env, then the defaults of the original. */
export function resolveDirs(opts: { configDir?: string; dataDir?: string }, env: Record<string, string | undefined> = process.env) {
  const configDir = resolve(opts.configDir ?? env.MOLTIS_CONFIG_DIR ?? join(homedir(), '.config', 'moltis'));
  const dataDir = resolve(opts.dataDir ?? env.MOLTIS_DATA_DIR ?? join(homedir(), '.moltis'));
  return { configDir, dataDir };
}

/**
 * How the user runs this CLI, for hints they can paste: `moltis` when it is on PATH, else
 * `npx moltis`. Under `npx`, PATH holds the package's own bin dir, which the user's shell lacks.
 */
export function cliName(env: Record<string, string | undefined> = process.env): string {
  if (env.npm_command === 'exec') return 'npx moltis';
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try { accessSync(join(dir, 'moltis'), constants.X_OK); return 'moltis'; } catch { /* not here */ }
  }
  return 'npx moltis';
}

/** A refusal of the command line itself (exit code 2), with the fix in the message. */
export class UsageError extends Error {}

/**
 * The data directory for commands other than `serve`, which must already exist: a mistyped
 * `--data-dir` would otherwise create a second, empty database and act on it.
 */
export function existingDataDir(opts: { dataDir?: string }, env: Record<string, string | undefined> = process.env): string {
  const { dataDir } = resolveDirs(opts, env);
  // Fail closed: only `serve` creates a data directory.
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new UsageError(`no data directory at ${dataDir}: check --data-dir (or MOLTIS_DATA_DIR); the gateway creates it on its first start`);
  }
  return dataDir;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** "unknown command" with the nearest command when one is close, else the list. */
export function unknownCommandMessage(word: string, commands: readonly string[]): string {
  const ranked = commands.map((c) => ({ c, d: c.startsWith(word) || word.startsWith(c) ? 1 : editDistance(word, c) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  const hint = best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? `did you mean \`${best.c}\`?` : `commands: ${commands.join(', ')}`;
  return `unknown command "${word}": ${hint} (see moltis --help)`;
}
