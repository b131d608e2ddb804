/**
 * Wires the audit log into a running gateway: recreates a missing head file (and says so in the
 * log), applies `[audit]` retention at start and hourly (renewing the signed seal), and aggregates
 * repeated denials.
 */
import type { Auth } from '../auth/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { CallContext } from '../rpc/index.js';
import { auditSigningKeyPath, createDenialAggregator, createRetention, loadOrCreateSigningKey, type AuditSigningKey } from '../audit/index.js';
import { actorOf as identityActor } from '../policy/index.js';

const PRUNE_EVERY_MS = 3600_000;
const DENIAL_WINDOW_MS = 60_000;
const DENIAL_MAX_KEYS = 1024;

/** Who made a call, as the audit log names it (never a secret: ids only). */
export const actorOf = (ctx: CallContext): string => identityActor(ctx.identity);

/** Starts retention and denial aggregation; `close()` stops both (flushing pending counts). */
export function setupAudit(d: { store: Store; auth: Auth; config: Config; configDir: string; now: () => number; print: (l: string) => void }) {
  const repo = d.store.audit;
  let head = null;
  try { head = repo.readHead(); } catch (err) { d.print(`  WARNING: audit head file unreadable (${(err as Error).message}); run \`moltis audit verify\``); }
  // A log without its head cannot show a cut-off tail: recreate it, and leave that fact in the chain.
  if (repo.headPath && head === null && repo.tip() !== null) d.auth.audit('audit_head_created', null, JSON.stringify({ reason: 'head file missing at start' }), 'system');
  // The seal key lives in the config dir, away from the database (seal.ts says why).
  let key: AuditSigningKey | null = null;
  try {
    const k = loadOrCreateSigningKey(d.configDir);
    key = k.key;
    if (k.created) {
      d.print(`created the audit signing key ${auditSigningKeyPath(d.configDir)} (fingerprint ${key.keyId}; keep a note of it elsewhere)`);
      d.auth.audit('audit_signing_key_created', null, JSON.stringify({ key: key.keyId }), 'system');
    }
  } catch (err) {
    // The log still works, unsealed: pruning goes on (the cap protects the disk), verify names the unsigned checkpoint.
    d.print(`  WARNING: no audit signing key (${(err as Error).message}): prune checkpoints stay unsigned`);
    d.auth.audit('audit_signing_key_unavailable', null, JSON.stringify({ reason: (err as Error).message.slice(0, 160) }), 'system');
  }
  const retention = createRetention({ repo, retention: d.config.audit, key, now: d.now, print: d.print, audit: (type, detail) => d.auth.audit(type, null, detail, 'system') });
  const prune = () => void retention.run();
  prune();
  const timer = setInterval(() => { try { prune(); } catch (err) { d.print(`audit retention failed: ${(err as Error).message}`); } }, PRUNE_EVERY_MS);
  timer.unref();
  const denials = createDenialAggregator({
    windowMs: DENIAL_WINDOW_MS, maxKeys: DENIAL_MAX_KEYS,
    write: (type, ip, detail, actor) => d.auth.audit(type, ip, detail, actor),
  });
  return {
    /** The seal's public key (null when no key could be loaded): what `audit.verify` checks the seal with. */
    publicKey: key?.publicKey ?? null,
    /** The dispatcher's `onDenied`: identity writes get their own name (seed: Identity Protection). */
    onDenied: (method: string, missing: string, ctx: CallContext) => denials.record({
      type: method.startsWith('identity.') && method !== 'identity.get' ? 'identity_modification_denied' : 'scope_denied',
      actor: actorOf(ctx), method, missing, ip: ctx.clientIp,
    }),
    close(): void { clearInterval(timer); denials.close(); },
  };
}
