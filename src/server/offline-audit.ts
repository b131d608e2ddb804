/**
 * The audit log of a data dir for `moltis audit …` and `moltis doctor`, opened here, in the
 * composition root, like the gateway's own. Never creates a database: a missing one is an answer.
 */
import { existsSync } from 'node:fs';
import { auditHeadPath, createStore, databasePath, type AuditRepo } from '../store/index.js';

/** What the data dir holds when there is no database to open. */
export type NoAuditLog = { missing: 'database'; headExists: boolean };

/** Runs `fn` against `<dataDir>/moltis.db`'s audit log, or returns why there is none. */
export function withOfflineAuditLog<T>(dataDir: string, fn: (repo: AuditRepo) => T): T | NoAuditLog {
  const path = databasePath(dataDir);
  if (!existsSync(path)) return { missing: 'database', headExists: existsSync(auditHeadPath(path)) };
  const store = createStore({ path });
  try { return fn(store.audit); } finally { store.close(); }
}
