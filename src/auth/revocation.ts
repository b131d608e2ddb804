import type { Identity } from '../policy/index.js';

/** Published on the bus as `auth.revoked`: which live credentials just died. */
export interface RevokedEvent { sessionIds?: number[]; apiKeyIds?: number[]; loopback?: boolean; passwordConnects?: boolean; all?: boolean; reason: string }

/**
 * Does a revocation kill what `id` holds? One answer for every consumer: open WebSockets close,
 * running turns abort (their pending approvals are denied with them), scheduled work pauses.
 */
export function isRevokedBy(id: Identity, r: RevokedEvent): boolean {
  if (r.all) return true;
  if (id.sessionId !== undefined && r.sessionIds?.includes(id.sessionId)) return true;
  if (id.apiKeyId !== undefined && r.apiKeyIds?.includes(id.apiKeyId)) return true;
  if (r.passwordConnects && id.passwordVersion !== undefined) return true;
  return r.loopback === true && id.method === 'loopback';
}
