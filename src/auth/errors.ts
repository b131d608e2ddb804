/**
 * Error codes of the auth capability. Callers branch on `.code`, never on message text.
 * `status` is the HTTP status the front door answers with.
 */
export const AUTH_ERRORS = {
  SETUP_ALREADY_COMPLETE: 403,
  SETUP_CODE_INVALID: 403,
  SETUP_CODE_EXPIRED: 410,
  AUTH_DISABLED: 409,
  PASSWORD_TOO_SHORT: 400,
  PASSWORD_TOO_LONG: 400,
  PASSWORD_REQUIRED: 400,
  INVALID_PASSWORD: 401,
  CURRENT_PASSWORD_INCORRECT: 403,
  LOGIN_BLOCKED: 429,
  LABEL_REQUIRED: 400,
  SCOPES_REQUIRED: 400,
  INVALID_SCOPE: 400,
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  VAULT_LOCKED: 423,
  VAULT_NOT_INITIALIZED: 409,
  VAULT_ALREADY_INITIALIZED: 409,
  VAULT_UNAVAILABLE: 404,
  INVALID_RECOVERY_KEY: 400,
  PASSKEY_HOST: 400,
  PASSKEY_REGISTRATION_FAILED: 400,
  PASSKEY_AUTH_FAILED: 401,
  PASSKEY_SETUP_FLOW: 409,
  NO_PASSKEYS: 400,
  NAME_REQUIRED: 400,
} as const;
export type AuthErrorCode = keyof typeof AUTH_ERRORS;

/** A refused auth operation with a message that tells the user what to do. */
export class AuthError extends Error {
  readonly status: number;
  constructor(readonly code: AuthErrorCode, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
    this.status = AUTH_ERRORS[code];
  }
}
