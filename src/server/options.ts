import type { Config } from '../config/index.js';

/** The login guard's settings, from `[auth.login_guard]` (defaults live in the config schema only). */
export function loginGuardOptions(cfg: Config) {
  const lg = cfg.auth.login_guard;
  return { banThreshold: lg.ban_threshold, banBaseMs: lg.ban_base_secs * 1000, banMaxMs: lg.ban_max_secs * 1000, maxTrackedIps: lg.max_tracked_ips };
}
