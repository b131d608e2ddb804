/**
 * Storage capability: one SQLite file, versioned migrations, one repository per capability.
 */
import { join } from 'node:path';
import { openDatabase, type Db } from './db.js';
import { createAuthRepo } from './repos/auth.js';
import { createAuditRepo } from './repos/audit.js';
import { createChatSessionsRepo } from './repos/chat-sessions.js';
import { createVaultRepo } from './repos/vault.js';
import { createSecretsRepo } from './repos/secrets.js';
import { createPasskeysRepo } from './repos/passkeys.js';
import { createProvidersRepo } from './repos/providers.js';

export { openDatabase, migrate, StoreError, type Db } from './db.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export type { AuthRepo, SessionRow, ApiKeyRow } from './repos/auth.js';
export type { AuditRepo, AuditRow } from './repos/audit.js';
export type { ChatSessionsRepo, ChatSessionRow, ChatMessageRow, SessionCursor } from './repos/chat-sessions.js';
export { UNTITLED_SESSION } from './repos/chat-sessions.js';
export type { VaultRepo, VaultMetadataRow } from './repos/vault.js';
export type { SecretsRepo, SecretRow, SecretListRow, CheckpointResult } from './repos/secrets.js';
export type { PasskeysRepo, PasskeyRow } from './repos/passkeys.js';
export type { ProvidersRepo, LlmProviderRow } from './repos/providers.js';

/** The database file inside a data dir. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'moltis.db');
}

/** Opens the database and builds every repository over it. */
export function createStore(opts: { path: string }) {
  const db: Db = openDatabase(opts.path);
  return {
    db,
    auth: createAuthRepo(db),
    audit: createAuditRepo(db),
    chatSessions: createChatSessionsRepo(db),
    vault: createVaultRepo(db),
    secrets: createSecretsRepo(db),
    passkeys: createPasskeysRepo(db),
    providers: createProvidersRepo(db),
    close(): void {
      if (db.open) db.close();
    },
  };
}
export type Store = ReturnType<typeof createStore>;
