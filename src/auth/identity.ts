import type { Identity } from '../policy/index.js';

export { ALL_SCOPES, ownerIdentity, type Identity, type AuthMethod } from '../policy/index.js';

/** Outcome of `checkAuth`. */
export type AuthResult =
  | { kind: 'allowed'; identity: Identity }
  | { kind: 'setup_required' }
  | { kind: 'unauthorized' }
  /** A credential was presented and is wrong, revoked or expired: refused, never "no credential". */
  | { kind: 'invalid_credential'; credential: 'api_key' | 'session' }
  | { kind: 'forbidden'; message: string };

export const NO_SCOPES_MESSAGE = 'API key has no scopes — create a new key with at least one scope (e.g. --scopes operator.read)';

/** Where a request came from, as the gate decided: the address to account it to and its locality. */
export interface RequestContext { clientIp: string; isLocal: boolean }
