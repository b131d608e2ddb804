/**
 * TLS capability: a persistent, name-constrained local CA with a rotated leaf (auto mode), or
 * user-provided files (custom mode), plus the `moltis trust-ca` steps. The only public surface.
 */
export { ensureAutoTls, CA_VALIDITY_DAYS, CA_RENEW_BEFORE_DAYS, DEFAULT_LEAF_VALIDITY_DAYS, DEFAULT_RENEW_BEFORE_DAYS, TLS_FILE_NAMES } from './store.js';
export type { TlsFiles, EnsureResult, EnsureAutoTlsOptions } from './store.js';
export { loadCustomTls } from './custom.js';
export { defaultServedNames } from './names.js';
export { trustCaPlan, runTrustCa, spawnInherit, LINUX_CA_DEST } from './trust.js';
export type { TrustPlan, TrustSpawn, TrustRunResult } from './trust.js';
export { TlsError, TLS_ERRORS } from './errors.js';
export type { TlsErrorCode } from './errors.js';
