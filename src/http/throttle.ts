/**
 * Per-(client IP, scope) fixed-window request throttle with a hard memory bound.
 *
 * Threat: request floods against login and the API, and — because buckets are keyed by an
 * address the attacker chooses — memory exhaustion by spraying addresses. The bucket map is
 * capped: when full we drop expired buckets, then evict the bucket with the oldest window.
 * Trade-off, accepted on purpose: an attacker spraying many addresses can push honest
 * clients' (and its own older) buckets out early, resetting their counts; memory stays
 * bounded either way. Password guessing is not left to this: the login guard
 * (`auth/login-guard.ts`) keeps its own, ban-preferring table.
 */

/** Which limit a request counts against. `callback`: chat-platform callbacks (Slack Events API, Telegram webhook), before their signature is checked. */
export type ThrottleScope = 'callback' | 'login' | 'auth' | 'api' | 'ws';

/** All scopes, in classification priority order. */
export const THROTTLE_SCOPES: readonly ThrottleScope[] = ['callback', 'login', 'auth', 'api', 'ws'];

/** Chat-platform callback routes (Slack's are the original's paths): one account segment, nothing after the endpoint. */
const PLATFORM_CALLBACK = /^\/api\/channels\/(slack\/[^/]+\/(events|interactions|commands)|telegram\/[^/]+\/webhook)$/;

/** One scope's limit: at most `max` requests per fixed window of `windowMs`. */
export interface ThrottleLimit {
  max: number;
  windowMs: number;
}

/** Options for {@link createThrottle}. */
export interface ThrottleOptions {
  limits: Readonly<Record<ThrottleScope, ThrottleLimit>>;
  /** Hard cap on live (ip, scope) buckets. */
  maxBuckets: number;
  now: () => number;
}

/** Result of {@link Throttle.check}. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A throttle instance; state lives only inside it. */
export interface Throttle {
  /** Count one request from `ip` against `scope` and say whether it may proceed. */
  check(ip: string, scope: ThrottleScope): ThrottleDecision;
  /** Number of buckets currently held. */
  size(): number;
  /** Drop every bucket whose window has ended (full scan). */
  sweep(): void;
}

/** Full sweep cadence, in checks. */
const SWEEP_EVERY_CHECKS = 512;

/**
 * Normalize a request path the way a lenient router might before matching, so that
 * `/API/auth/%6Cogin/` cannot dodge the login limit under a looser scope. Over-matching only
 * ever makes a request count against a stricter limit.
 */
function normalizePath(path: string): string {
  let p = path;
  const cut = p.search(/[?#]/);
  if (cut !== -1) p = p.slice(0, cut);
  try {
    p = decodeURIComponent(p);
  } catch {
    // Malformed escapes: classify the raw text; the router will reject it anyway.
  }
  p = p.toLowerCase().replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.replace(/\/+$/, '');
  return p;
}

/**
 * Map a request to its throttle scope: a POST to a platform callback → `callback`, `POST /api/auth/login`
 * → `login`, `/api/auth/*` → `auth`, `/api/*` → `api`, `/ws` and `/ws/chat` → `ws`; anything else
 * is not throttled (`null`).
 */
export function classifyRequest(method: string, path: string): ThrottleScope | null {
  const p = normalizePath(path);
  // Unauthenticated by design (the platform signs them): their own pre-auth budget, never bypassed.
  if (method.toUpperCase() === 'POST' && PLATFORM_CALLBACK.test(p)) return 'callback';
  // Passkey login is a login: same (tighter) bucket as the password.
  if (method.toUpperCase() === 'POST' && (p === '/api/auth/login' || p === '/api/auth/passkey/auth/finish')) return 'login';
  if (p === '/api/auth' || p.startsWith('/api/auth/')) return 'auth';
  if (p === '/api' || p.startsWith('/api/')) return 'api';
  if (p === '/ws' || p === '/ws/chat') return 'ws';
  return null;
}

interface Bucket {
  scope: ThrottleScope;
  windowStart: number;
  count: number;
}

function validate(options: ThrottleOptions): void {
  for (const scope of THROTTLE_SCOPES) {
    const limit = options.limits[scope];
    // A missing or nonsensical limit is a config bug; refuse to start rather than guess.
    if (limit === undefined || !Number.isInteger(limit.max) || limit.max < 0 ||
        !Number.isFinite(limit.windowMs) || limit.windowMs <= 0) {
      throw new RangeError(`throttle: invalid limit for scope "${scope}"`);
    }
  }
  if (!Number.isInteger(options.maxBuckets) || options.maxBuckets < 1) {
    throw new RangeError('throttle: maxBuckets must be a positive integer');
  }
}

/**
 * Create a fixed-window throttle. Per (ip, scope): window over → new window with count 1;
 * under the limit → count it; else deny with `retryAfterSeconds` = rest of the window
 * (at least 1). A `max` of 0 always denies.
 */
export function createThrottle(options: ThrottleOptions): Throttle {
  validate(options);
  const { limits, maxBuckets, now } = options;
  // Insertion order == window-start order (a restarted window is re-inserted at the end),
  // so the first entry is always the oldest window: O(1) eviction.
  const buckets = new Map<string, Bucket>();
  let checksSinceSweep = 0;

  const expired = (b: Bucket, t: number): boolean => t - b.windowStart >= limits[b.scope].windowMs;

  function sweep(): void {
    const t = now();
    for (const [key, b] of buckets) if (expired(b, t)) buckets.delete(key);
  }

  /** Make room for one new bucket without scanning the whole map. */
  function makeRoom(t: number): void {
    // Cheap pass from the oldest end: drop expired buckets until one is still live.
    for (const [key, b] of buckets) {
      if (buckets.size < maxBuckets) return;
      if (!expired(b, t)) break;
      buckets.delete(key);
    }
    // Still full: evict oldest windows. Bounded memory wins over fairness (see file header).
    for (const key of buckets.keys()) {
      if (buckets.size < maxBuckets) return;
      buckets.delete(key);
    }
  }

  function check(ip: string, scope: ThrottleScope): ThrottleDecision {
    const t = now();
    const { max, windowMs } = limits[scope];
    if (++checksSinceSweep >= SWEEP_EVERY_CHECKS) {
      checksSinceSweep = 0;
      sweep();
    }
    // Limit 0 means the scope is closed; no bucket needed.
    if (max === 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(windowMs / 1000)) };

    const key = `${scope} ${ip}`;
    const bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= maxBuckets) makeRoom(t);
      buckets.set(key, { scope, windowStart: t, count: 1 });
      return { allowed: true };
    }
    const elapsed = t - bucket.windowStart;
    // Clock stepped back or window over: start a fresh window, re-inserted to keep order.
    if (elapsed < 0 || elapsed >= windowMs) {
      buckets.delete(key);
      buckets.set(key, { scope, windowStart: t, count: 1 });
      return { allowed: true };
    }
    if (bucket.count < max) {
      bucket.count++;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowMs - elapsed) / 1000)) };
  }

  return { check, size: () => buckets.size, sweep };
}
