import { isIP } from 'node:net';
import { AuthError } from './errors.js';

/** The relying party a ceremony runs for: the RP ID (a host name) and the exact browser origin. */
export interface RelyingParty { rpId: string; origin: string }

/** Fixed RP from the environment (behind a proxy the `Host` we see is not the one the browser saw). */
export interface RpConfig { rpId?: string | undefined; origin?: string | undefined }

/**
 * Reads `MOLTIS_WEBAUTHN_RP_ID` / `MOLTIS_WEBAUTHN_ORIGIN` once at startup. An origin alone
 * implies its host as RP ID; an RP ID alone implies `https://<rp id>`. Throws on a malformed origin
 * (fail closed: a typo must not silently fall back to the request's Host).
 */
export function rpConfigFromEnv(env: Readonly<Record<string, string | undefined>>): RpConfig {
  const rpId = env.MOLTIS_WEBAUTHN_RP_ID?.trim().toLowerCase() || undefined;
  const rawOrigin = env.MOLTIS_WEBAUTHN_ORIGIN?.trim() || undefined;
  let origin: string | undefined;
  if (rawOrigin) {
    let u: URL;
    try { u = new URL(rawOrigin); } catch { throw new Error(`MOLTIS_WEBAUTHN_ORIGIN is not a URL: ${JSON.stringify(rawOrigin)}`); }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`MOLTIS_WEBAUTHN_ORIGIN must be an http(s) origin, got ${JSON.stringify(rawOrigin)}`);
    origin = u.origin;
    if (rpId && u.hostname !== rpId && !u.hostname.endsWith(`.${rpId}`)) {
      throw new Error(`MOLTIS_WEBAUTHN_ORIGIN host ${u.hostname} is not ${rpId} or a subdomain of it (MOLTIS_WEBAUTHN_RP_ID)`);
    }
  }
  return { rpId: rpId ?? (origin ? new URL(origin).hostname : undefined), origin };
}

const HOST_RE = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The RP for a request: the configured one, else the request's `Host` with the scheme the
 * gateway serves. Using the Host is safe for WebAuthn: the browser, not the request, decides
 * which origin and RP ID end up signed, and a credential only ever signs for the RP ID it was
 * created under — a forged Host can only make verification fail.
 */
export function resolveRelyingParty(cfg: RpConfig, req: { host: string | undefined; secure: boolean }): RelyingParty {
  if (cfg.rpId) return { rpId: cfg.rpId, origin: cfg.origin ?? `https://${cfg.rpId}` };
  const raw = (req.host ?? '').trim().toLowerCase();
  const m = /^([^:[\]]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/.exec(raw);
  const name = m?.[1]?.replace(/\.$/, '');
  if (!m || !name) throw new AuthError('PASSKEY_HOST', 'no passkey config for this hostname: the request has no usable Host header (set MOLTIS_WEBAUTHN_RP_ID and MOLTIS_WEBAUTHN_ORIGIN behind a proxy)');
  // Browsers refuse IP addresses as RP IDs; say so instead of letting the browser fail obscurely.
  if (name.startsWith('[') || isIP(name)) {
    throw new AuthError('PASSKEY_HOST', `passkeys need a host name, not an IP address: open the gateway as http(s)://localhost${m[2] ? `:${m[2]}` : ''} (or a DNS name), or set MOLTIS_WEBAUTHN_RP_ID`);
  }
  if (!HOST_RE.test(name) || name.length > 253) throw new AuthError('PASSKEY_HOST', `no passkey config for this hostname: ${JSON.stringify(name)} is not a valid host name`);
  return { rpId: name, origin: `${req.secure ? 'https' : 'http'}://${name}${m[2] ? `:${m[2]}` : ''}` };
}
