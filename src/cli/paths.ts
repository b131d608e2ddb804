import { accessSync, constants } from 'node:fs';
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
