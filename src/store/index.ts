/**
 * Storage capability: one SQLite file, versioned migrations, one repository per capability.
 */
import { join } from 'node:path';
import { auditHeadPath } from './repos/audit-head.js';
import { openDatabase, type Db } from './db.js';
import { createAuthRepo } from './repos/auth.js';
import { createAuditRepo } from './repos/audit.js';
import { createAuditEgressView } from './repos/audit-egress.js';
import { createChatSessionsRepo } from './repos/chat-sessions.js';
import { createVaultRepo } from './repos/vault.js';
import { createSecretsRepo } from './repos/secrets.js';
import { createPasskeysRepo } from './repos/passkeys.js';
import { createCronRepo } from './repos/cron.js';
import { createChannelsRepo } from './repos/channels.js';
import { createProvidersRepo } from './repos/providers.js';
import { createSecurityAlertsRepo } from './repos/security-alerts.js';
import { createCommandShapesRepo } from './repos/audit-command-shapes.js';

export { openDatabase, migrate, StoreError, type Db } from './db.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export type { AuthRepo, SessionRow, ApiKeyRow } from './repos/auth.js';
export type { AuditRepo, AuditRow, AuditQuery, AuditListener } from './repos/audit.js';
export { EGRESS_AUDIT_TYPE, type AuditEgressView, type EgressDetail, type EgressRow, type EgressFilter } from './repos/audit-egress.js';
export { GENESIS_HASH, chainHash, chainHashOf, canonicalEntry, canonicalFields, fromRawChainRow, toChainEntry, sealPayload, type RawChainRow, type ChainEntry, type StoredChainRow, type AuditSeal, type SealSigner } from './repos/audit-chain.js';
export { auditHeadPath, readAuditHead, type AuditHead, type ChainPoint } from './repos/audit-head.js';
export type { ChatSessionsRepo, ChatSessionRow, ChatMessageRow, SessionCursor } from './repos/chat-sessions.js';
export { UNTITLED_SESSION } from './repos/chat-sessions.js';
export type { VaultRepo, VaultMetadataRow } from './repos/vault.js';
export type { SecretsRepo, SecretRow, SecretListRow, CheckpointResult } from './repos/secrets.js';
export type { PasskeysRepo, PasskeyRow } from './repos/passkeys.js';
export type { CronRepo, CronJobRow, CronRunRow } from './repos/cron.js';
export type { ChannelsRepo, ChannelAccountRow, ChannelSenderRow } from './repos/channels.js';
export type { ProvidersRepo, LlmProviderRow } from './repos/providers.js';
export type { SecurityAlertsRepo, SecurityAlertRow } from './repos/security-alerts.js';
export type { CommandShapesRepo, CommandFamilyRow } from './repos/audit-command-shapes.js';

/** The database file inside a data dir. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'moltis.db');
}

/** Opens the database and builds every repository over it. */
export function createStore(opts: { path: string }) {
  const db: Db = openDatabase(opts.path);
  const audit = createAuditRepo(db, { headPath: opts.path === ':memory:' ? null : auditHeadPath(opts.path) });
  return {
    db,
    auth: createAuthRepo(db),
    audit,
    /** The egress entries of the audit log, as the network audit RPC lists them. */
    auditEgress: createAuditEgressView(db),
    chatSessions: createChatSessionsRepo(db),
    vault: createVaultRepo(db),
    secrets: createSecretsRepo(db),
    passkeys: createPasskeysRepo(db),
    cron: createCronRepo(db),
    channels: createChannelsRepo(db),
    providers: createProvidersRepo(db),
    securityAlerts: createSecurityAlertsRepo(db),
    commandShapes: createCommandShapesRepo(db),
    close(): void {
      audit.close();
      if (db.open) db.close();
    },
  };
}
export type Store = ReturnType<typeof createStore>;
