/**
 * Identity capability: the owner-managed IDENTITY.md, USER.md, SOUL.md and TOOLS.md at the
 * workspace root, their validation, protection and the system prompt built from them.
 */
export type { AgentIdentity, IdentityFiles, IdentityPatch, UserProfile } from './types.js';
export { DEFAULT_IDENTITY, DEFAULT_SOUL, DEFAULT_TOOLS, IDENTITY_FILE_NAMES, type IdentityFileName } from './defaults.js';
export { IDENTITY_ERRORS, IdentityError, type IdentityErrorCode } from './errors.js';
export { LIMITS as IDENTITY_LIMITS } from './fields.js';
export { buildSystemPrompt, type PromptOptions } from './prompt.js';
export {
  createIdentityStore,
  protectedPaths,
  type IdentityStore,
  type IdentityStoreOptions,
  type IdentityUpdateResult,
  type SystemPromptOptions,
} from './store.js';
