/**
 * Gathers what `moltis doctor` (and the start-up summary) checks, offline: the effective config,
 * file modes, stored credentials and vault state, and the audit chain. Never creates files.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { createStore, databasePath } from '../store/index.js';
import { TLS_FILE_NAMES } from '../tls/index.js';
import { loadSigningKey, verifyAuditLog, type DoctorFacts } from '../audit/index.js';

const modeOf = (p: string): number | null => { try { return statSync(p).mode & 0o777; } catch { return null; } };

/** Facts for the doctor checks; `verifyAudit: false` skips the chain walk (start-up summary). */
export function gatherDoctorFacts(o: { config: Config; configDir: string; dataDir: string; env: Readonly<Record<string, string | undefined>>; verifyAudit: boolean; now?: number }): DoctorFacts {
  const dbPath = databasePath(o.dataDir);
  const caKey = o.config.tls.key_path && o.config.tls.cert_path ? null : join(o.configDir, 'certs', TLS_FILE_NAMES.caKey);
  const facts: DoctorFacts = {
    config: o.config, env: o.env, nodeVersion: process.versions.node, now: o.now ?? Date.now(),
    files: [
      { path: o.configDir, kind: 'config_dir', mode: modeOf(o.configDir) },
      { path: o.dataDir, kind: 'data_dir', mode: modeOf(o.dataDir) },
      { path: dbPath, kind: 'database', mode: modeOf(dbPath) },
      ...(caKey ? [{ path: caKey, kind: 'ca_key' as const, mode: modeOf(caKey) }] : []),
    ],
    credentials: null, vault: null, audit: null,
  };
  if (!existsSync(dbPath)) return facts;
  const store = createStore({ path: dbPath });
  try {
    facts.credentials = store.auth.getPasswordHash() !== null || store.passkeys.exists();
    facts.vault = { initialized: store.vault.get() !== undefined, plaintextSecrets: store.secrets.plaintextRows().length };
    if (o.verifyAudit) {
      let publicKey = null;
      try { publicKey = loadSigningKey(o.configDir)?.publicKey ?? null; } catch { /* unreadable key: the seal check reports the checkpoint unverifiable */ }
      const r = verifyAuditLog(store.audit, { publicKey });
      facts.audit = { ok: r.ok, kind: r.problem?.kind ?? null, message: r.problem?.message ?? null };
    }
  } finally { store.close(); }
  return facts;
}
