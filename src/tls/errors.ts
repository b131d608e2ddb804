/**
 * Error codes of the tls capability. Callers branch on `.code`, never on message text.
 * Every TLS error stops startup: serving with a half-loaded or mismatched certificate is never
 * better than not serving.
 */
export const TLS_ERRORS = {
  /** A configured cert/key/CA file is missing or unreadable (`path` names it). */
  FILE_UNREADABLE: 'FILE_UNREADABLE',
  /** A configured PEM file does not parse as the expected object (`path` names it). */
  PEM_INVALID: 'PEM_INVALID',
  /** The configured private key does not belong to the configured certificate. */
  KEY_MISMATCH: 'KEY_MISMATCH',
  /** A served name is not a valid DNS name (letters, digits, `-`, `_`, optional leading `*.`). */
  INVALID_NAME: 'INVALID_NAME',
  /** A served IP is not an IPv4/IPv6 literal (zone ids are refused). */
  INVALID_IP: 'INVALID_IP',
  /** Inconsistent options, e.g. renewBeforeDays >= leafValidityDays (would re-issue on every start). */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
} as const;
export type TlsErrorCode = keyof typeof TLS_ERRORS;

/** A refused TLS setup step with a message that tells the operator what to fix. */
export class TlsError extends Error {
  constructor(readonly code: TlsErrorCode, message: string, readonly path?: string) {
    super(message);
    this.name = 'TlsError';
  }
}
