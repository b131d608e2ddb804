/**
 * Session kinds the policy decides on besides chat channels: a scheduled job's runs live in
 * `cron:<id>`, where clients may read but never start a turn.
 */

/** Sessions of job runs: `cron:<id>`. */
export const CRON_SESSION_PREFIX = 'cron:';

/** Is this the session of a job's runs? (Chat turns from clients are refused there.) */
export const isCronSession = (sessionKey: string): boolean => sessionKey.startsWith(CRON_SESSION_PREFIX);
