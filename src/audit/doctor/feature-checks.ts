/**
 * Checks of the scheduled-job and chat-channel settings: the brief's "Limit Rate Limits" and
 * "Review Channel Senders" recommendations.
 */
import { DEFAULTS } from '../../config/index.js';
import type { Check, Finding } from './types.js';

const BRIEF_RATE = DEFAULTS.cron.rate_limit_max / DEFAULTS.cron.rate_limit_window_secs;

/** More job creations per second allowed than the brief's default (10 a minute) makes prompt-injected floods cheap. */
export const cronRateLimitLoose: Check = ({ config }) => {
  const c = config.cron;
  const rate = c.rate_limit_max / c.rate_limit_window_secs;
  return rate > BRIEF_RATE ? [{
    id: 'cron.rate_limit_loose', severity: 'warn',
    message: `[cron] allows ${c.rate_limit_max} job creations per ${c.rate_limit_window_secs} s, looser than the default 10 per 60 s: an injected prompt can create jobs quickly`,
    fix: 'set [cron] rate_limit_max = 10 and rate_limit_window_secs = 60 (or tighter, e.g. 5 per 300 for untrusted environments)',
  }] : [];
};

/** An account at `admin` gives every sender approved without a level full control of the gateway. */
export const channelsAdminLevel: Check = ({ config }) => {
  const out: Finding[] = [];
  for (const type of ['telegram', 'slack'] as const) {
    for (const [id, a] of Object.entries(config.channels[type])) {
      if (a.permission !== 'admin') continue;
      out.push({
        id: 'channels.admin_level_for_unknown', severity: 'warn',
        message: `[channels.${type}.${id}] permission = "admin": every sender approved without a lower level gets full access, configuration included`,
        fix: `set permission = "read-only" (or "execute") on [channels.${type}.${id}] and give "admin" only to your own sender id with channels.senders.approve { level: "admin" }`,
      });
    }
  }
  return out;
};
