import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Resolves the config and data directories: flag, then env, then the defaults of the original. */
export function resolveDirs(opts: { configDir?: string; dataDir?: string }, env: Record<string, string | undefined> = process.env) {
  const configDir = resolve(opts.configDir ?? env.MOLTIS_CONFIG_DIR ?? join(homedir(), '.config', 'moltis'));
  const dataDir = resolve(opts.dataDir ?? env.MOLTIS_DATA_DIR ?? join(homedir(), '.moltis'));
  return { configDir, dataDir };
}
