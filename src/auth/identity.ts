import type { Identity } from '../policy/index.js';

export { ALL_SCOPES, ownerIdentity, type Identity, type AuthMethod } from '../policy/index.js';

/** Outcome of `checkAuth`. */
export type AuthResult =
  | { kind: 'allowed'; identity: Identity }
  | { kind: 'setup_required' }
  | { kind: 'unauthorized' }
  | { kind: 'forbidden'; message: string };

export const NO_SCOPES_MESSAGE = 'API key has no scopes — create a new key with at least one scope (e.g. --scopes operator.read)';
