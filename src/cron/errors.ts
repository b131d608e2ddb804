/**
 * The cron capability's refusals. Callers branch on `.code` (an RPC error code), never on the
 * message; `field` names the offending input, `retryAfterMs` comes with RATE_LIMITED.
 */
export type CronErrorCode = 'INVALID_REQUEST' | 'RATE_LIMITED' | 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT';

export class CronError extends Error {
  constructor(readonly code: CronErrorCode, message: string, readonly field?: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** A bad job field: INVALID_REQUEST naming it. */
export const invalid = (field: string, problem: string): CronError => new CronError('INVALID_REQUEST', `${field}: ${problem}`, field);
