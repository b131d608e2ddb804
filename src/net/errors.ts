/**
 * Error codes of the net capability. Callers branch on `.code`, never on message text.
 * Every code is a refusal: a fetch that cannot be proven safe and complete does not happen.
 */
export const NET_ERRORS = {
  /** The target (or a redirect hop) resolves to a non-public address outside the allowlist. */
  SSRF_BLOCKED: 'SSRF_BLOCKED',
  /** Unparseable URL, a scheme other than http/https, credentials in the URL, bad Location. */
  BAD_URL: 'BAD_URL',
  /** More redirects than `maxRedirects`, or a redirect back to a URL already visited. */
  TOO_MANY_REDIRECTS: 'TOO_MANY_REDIRECTS',
  /** The whole fetch (resolution, every hop, body) did not finish within `timeoutMs`. */
  TIMEOUT: 'TIMEOUT',
  /** Name resolution failed or the connection/response failed. */
  FETCH_FAILED: 'FETCH_FAILED',
} as const;
export type NetErrorCode = keyof typeof NET_ERRORS;

/** A refused or failed guarded fetch, with a message fit to show the model or the operator. */
export class NetError extends Error {
  constructor(readonly code: NetErrorCode, message: string) {
    super(message);
    this.name = 'NetError';
  }
}
