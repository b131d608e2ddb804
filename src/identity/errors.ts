/**
 * Error codes of the identity capability. Callers branch on `.code`, never on message text.
 * Content problems found while *reading* are never errors (they become warnings); these codes
 * are for refused writes and for a workspace that is not there.
 */
export const IDENTITY_ERRORS = {
  /** An update patch is malformed: unknown key, wrong type, too long, multi-line, NUL… */
  INVALID_IDENTITY: 'INVALID_IDENTITY',
  /** `dataDir` does not exist or is not a directory (we never create it: its parent owns it). */
  DATA_DIR_MISSING: 'DATA_DIR_MISSING',
} as const;

/** One of {@link IDENTITY_ERRORS}. */
export type IdentityErrorCode = keyof typeof IDENTITY_ERRORS;

/** A refused identity operation; `field` names the offending patch field when there is one. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(readonly code: IdentityErrorCode, message: string, readonly field?: string) {
    super(message);
  }
}
