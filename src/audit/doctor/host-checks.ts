/**
 * Checks of the machine and the data dir: file permissions, the Node.js release, the vault as
 * stored, and the audit chain.
 */
import type { Check, DoctorFacts, Finding } from './types.js';

/** Oldest supported Node.js release, and the end of life of each LTS line (nodejs.org schedule). */
export const NODE_MIN = [20, 19] as const;
export const NODE_EOL: Readonly<Record<number, string>> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

const WANT: Record<DoctorFacts['files'][number]['kind'], { mode: number; severity: 'critical' | 'warn'; what: string }> = {
  config_dir: { mode: 0o700, severity: 'warn', what: 'config directory (moltis.toml, certificates)' },
  data_dir: { mode: 0o700, severity: 'warn', what: 'data directory (database, identity files, workspaces)' },
  database: { mode: 0o600, severity: 'critical', what: 'database (credential hashes, wrapped vault keys, audit log)' },
  ca_key: { mode: 0o600, severity: 'critical', what: 'local CA private key (anyone reading it can impersonate any site to browsers that trust it)' },
};

export const filePermissions: Check = ({ files }) => files.flatMap((f): Finding[] => {
  const w = WANT[f.kind];
  // Only group/other bits matter: the owner's own bits are the owner's business.
  if (f.mode === null || (f.mode & 0o077) === 0) return [];
  return [{
    id: `fs.${f.kind}_permissions`, severity: w.severity,
    message: `the ${w.what} ${f.path} is accessible to other users (mode ${(f.mode & 0o777).toString(8).padStart(4, '0')})`,
    fix: `chmod ${w.mode.toString(8)} ${JSON.stringify(f.path)}`,
  }];
});

export const nodeEol: Check = ({ nodeVersion, now }) => {
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  if (major < NODE_MIN[0] || (major === NODE_MIN[0] && minor < NODE_MIN[1])) return [{
    id: 'node.eol', severity: 'critical',
    message: `Node.js ${nodeVersion} is older than the supported ${NODE_MIN.join('.')}`,
    fix: 'install a current Node.js LTS release (22 or 24)',
  }];
  const eol = NODE_EOL[major];
  return eol && now >= Date.parse(eol) ? [{
    id: 'node.eol', severity: 'warn',
    message: `Node.js ${major} reached end of life on ${eol}: it no longer receives security fixes`,
    fix: 'install a current Node.js LTS release (22 or 24)',
  }] : [];
};

export const vaultState: Check = ({ vault }) => {
  if (!vault || vault.initialized) return [];
  return [{
    id: 'vault.disabled', severity: vault.plaintextSecrets > 0 ? 'warn' : 'info',
    message: vault.plaintextSecrets > 0
      ? `the vault is not set up and ${vault.plaintextSecrets} secret(s) are stored unencrypted in the database`
      : 'the vault is not set up: provider keys and env secrets cannot be stored encrypted',
    fix: 'set a password in the UI (the vault is created with it), then unseal it after each start',
  }];
};

export const auditChain: Check = ({ audit }) => {
  if (!audit || audit.ok) return [];
  const missingHead = audit.kind === 'head_missing';
  return [{
    id: missingHead ? 'audit.head_missing' : 'audit.chain_broken', severity: missingHead ? 'warn' : 'critical',
    message: `audit log: ${audit.message ?? audit.kind}`,
    fix: missingHead ? 'start the gateway once (it recreates the head file and records that it did)' : 'treat this as an intrusion: keep a copy of the data dir, run `moltis audit verify` and `moltis audit export` to see where the log was changed',
  }];
};

/** Every host check, in report order. */
export const HOST_CHECKS: readonly Check[] = [filePermissions, vaultState, auditChain, nodeEol];
