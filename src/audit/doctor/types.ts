import type { Config } from '../../config/index.js';

/** How bad a finding is: `critical` (exit 2), `warn` (exit 1), `info` (exit 0). */
export type Severity = 'critical' | 'warn' | 'info';
/** One finding: a stable `id` scripts can rely on, what is wrong and the exact fix. */
export interface Finding { id: string; severity: Severity; message: string; fix: string }

/** Everything the checks look at, gathered once (offline: config, data dir, host). */
export interface DoctorFacts {
  config: Config;
  env: Readonly<Record<string, string | undefined>>;
  nodeVersion: string;
  now: number;
  /** Permission bits (`mode & 0o777`) of each path, null when it does not exist. */
  files: { path: string; kind: 'config_dir' | 'data_dir' | 'database' | 'ca_key'; mode: number | null }[];
  /** A password or passkey is set (null: no database yet). */
  credentials: boolean | null;
  /** Vault state as stored (null: no database). Sealed/unsealed lives in the running process only. */
  vault: { initialized: boolean; plaintextSecrets: number } | null;
  /** Result of verifying the audit log (null: not checked or no database). */
  audit: { ok: boolean; kind: string | null; message: string | null } | null;
}

/** A check: facts in, zero or more findings out. Pure. */
export type Check = (f: DoctorFacts) => Finding[];
