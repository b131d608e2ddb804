/**
 * Audit capability: verification of the hash-chained audit log (chain + head file + signed seal), retention,
 * aggregation of repeated denials, the `audit.list` RPC table and the `moltis doctor` checks.
 * The log itself is a repository of store/ (every append is chained there).
 */
export { verifyAuditLog, type AuditVerifyResult, type AuditProblem, type AuditProblemKind, type SealStatus, type VerifyOptions } from './verify.js';
export { pruneAuditLog, runRetention, createRetention, type AuditRetention, type PruneResult } from './retention.js';
export { adoptCheckpoint, auditSigningKeyPath, checkSeal, keyFingerprint, loadOrCreateSigningKey, loadSigningKey, readPublicKey, AUDIT_SIGNING_KEY_FILE, type AuditSigningKey, type SealProblem } from './seal.js';
export { createDenialAggregator, type DenialAggregator, type Denial } from './denials.js';
export { sanitizePrefix } from './sanitize.js';
export { auditMethods, auditEntryView, sinceSchema } from './methods.js';
export { runDoctor, doctorExitCode, doctorSummary, opensFloorWholesale, type DoctorFacts, type Finding, type Severity } from './doctor/index.js';
export { createAlertEngine, alertMethods, ALERT_RULES, ALERT_AUDIT_TYPES, obfuscationSignal, sessionFamily, commandShapes, type AlertEngine, type SecurityAlert } from './alerts/index.js';
