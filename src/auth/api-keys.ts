import { timingSafeEqual } from 'node:crypto';
import { randomToken, sha256Hex } from '../crypto/index.js';
import { isScope, type Scope } from '../policy/index.js';
import type { AuthRepo, ApiKeyRow } from '../store/index.js';
import { AuthError } from './errors.js';

export const API_KEY_PREFIX_LEN = 11; // "mk_" + 8 characters: shown in listings, used as the lookup index

/**
 * Verified keys are remembered this long, so a busy client pays the hash and the row parse once.
 * The cache is dropped at once by any change to the key rows or the password (the repository's
 * generation: revocation, revoke-all on reset, a new password; another process's write within
 * its check interval); the TTL only bounds what a missed invalidation could cost.
 */
export const VERIFIED_KEY_TTL_MS = 10_000;
// Bounded memory (invariant 5): only keys that verified are cached, so this is plenty.
const VERIFIED_KEY_CACHE_MAX = 1024;

/** A key as listed to the owner (never the key itself). */
export interface ApiKeyInfo { id: number; label: string; key_prefix: string; scopes: Scope[]; created_at: string; last_used_at: string | null }

/** Parses stored scopes; anything unparseable or unknown yields no scope (fail closed). */
export function parseScopes(json: string): Scope[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter(isScope) : [];
  } catch {
    return [];
  }
}

/** Validates a create request: a label and at least one known scope are required. */
export function validateKeyRequest(label: unknown, scopes: unknown): { label: string; scopes: Scope[] } {
  const l = typeof label === 'string' ? label.trim() : '';
  if (!l) throw new AuthError('LABEL_REQUIRED', 'label is required: describe what the key is for, e.g. "CI pipeline"');
  if (l.length > 200) throw new AuthError('LABEL_REQUIRED', 'label is too long (at most 200 characters)');
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new AuthError('SCOPES_REQUIRED', 'at least one scope is required (operator.read, operator.write, operator.admin, operator.approvals, operator.pairing); keys without scopes are denied everywhere');
  }
  for (const s of scopes) if (!isScope(s)) throw new AuthError('INVALID_SCOPE', `invalid scope: ${String(s)}`);
  return { label: l, scopes: [...new Set(scopes as Scope[])] };
}

/** API key operations over the repository. */
export function createApiKeys(deps: { repo: AuthRepo; now: () => number }) {
  const { repo, now } = deps;
  const toInfo = (r: ApiKeyRow): ApiKeyInfo => ({
    id: r.id, label: r.label, key_prefix: r.key_prefix, scopes: parseScopes(r.scopes),
    created_at: new Date(r.created_at).toISOString(), last_used_at: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
  });
  // Keyed by the presented key itself: hashing it first would cost what the cache saves. Memory
  // only (invariant 3 is about rest), and only for keys that were valid when presented.
  const verified = new Map<string, { id: number; scopes: Scope[]; gen: number; at: number }>();
  const live = new Map<number, { live: boolean; gen: number }>();
  const remember = (presented: string, v: { id: number; scopes: Scope[] }, gen: number, at: number) => {
    if (verified.size >= VERIFIED_KEY_CACHE_MAX) verified.clear();
    verified.set(presented, { ...v, gen, at });
  };
  return {
    /** Creates a key; the raw key is returned here and nowhere else, ever. */
    create(label: unknown, scopes: unknown): { id: number; key: string; info: ApiKeyInfo } {
      const req = validateKeyRequest(label, scopes);
      const key = `mk_${randomToken(32)}`;
      const id = repo.insertApiKey({ label: req.label, prefix: key.slice(0, API_KEY_PREFIX_LEN), hash: sha256Hex(key), scopes: req.scopes, now: now() });
      return { id, key, info: toInfo(repo.apiKeyById(id)!) };
    },
    /**
     * Finds the live key row for a presented key: indexed prefix lookup, then a constant-time
     * hash compare. A 256-bit random key needs no salt or slow hash.
     */
    verify(presented: string): { id: number; scopes: Scope[] } | null {
      const gen = repo.generation();
      const hit = verified.get(presented);
      if (hit !== undefined) {
        const t = now();
        // Stale entries are never used: any change since (revocation, reset, password) moved the generation.
        if (hit.gen === gen && t - hit.at < VERIFIED_KEY_TTL_MS) return { id: hit.id, scopes: hit.scopes };
        verified.delete(presented);
      }
      if (!/^mk_[A-Za-z0-9_-]{43}$/.test(presented)) return null;
      const digest = Buffer.from(sha256Hex(presented), 'hex');
      for (const row of repo.apiKeysByPrefix(presented.slice(0, API_KEY_PREFIX_LEN))) {
        const stored = Buffer.from(row.key_hash, 'hex');
        if (stored.length === digest.length && timingSafeEqual(stored, digest)) {
          const t = now();
          if (row.last_used_at === null || t - row.last_used_at > 60_000) repo.touchApiKey(row.id, t);
          const v = { id: row.id, scopes: parseScopes(row.scopes) };
          remember(presented, v, gen, t);
          return v;
        }
      }
      return null;
    },
    /**
     * Is key `id` still live (not revoked) and scoped? Open WebSockets ask before every request,
     * so the answer is remembered until the key rows change — checked against SQLite each time,
     * so a revocation by another process (the CLI) is seen by the very next request.
     */
    isLive(id: number): boolean {
      const gen = repo.generation(true);
      const c = live.get(id);
      if (c !== undefined && c.gen === gen) return c.live;
      const r = repo.apiKeyById(id);
      const ok = !!r && r.revoked_at === null && parseScopes(r.scopes).length > 0;
      // Ids come from identities this gateway issued, not from strangers; bounded all the same.
      if (live.size >= VERIFIED_KEY_CACHE_MAX) live.clear();
      live.set(id, { live: ok, gen });
      return ok;
    },
    list(): ApiKeyInfo[] { return repo.listApiKeys().map(toInfo); },
    revoke(id: number): boolean { return repo.revokeApiKey(id, now()); },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
