/** Name of the login session cookie. */
export const SESSION_COOKIE = 'moltis_session';

/** The value of `moltis_session` from a Cookie header; the first occurrence wins. */
export function readSessionCookie(header: string | string[] | undefined): string | null {
  const raw = Array.isArray(header) ? header.join(';') : header;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const p = part.trim();
    if (p.startsWith(`${SESSION_COOKIE}=`)) {
      const v = p.slice(SESSION_COOKIE.length + 1);
      return /^[A-Za-z0-9_-]{1,128}$/.test(v) ? v : null;
    }
  }
  return null;
}

/**
 * Serializes the session cookie. HttpOnly keeps it from scripts, SameSite=Strict from
 * cross-site requests; Secure whenever the browser reached us over HTTPS.
 */
export function sessionCookie(token: string, o: { secure: boolean; maxAgeSeconds: number }): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${o.maxAgeSeconds}${o.secure ? '; Secure' : ''}`;
}

/** A Set-Cookie value that removes the session cookie. */
export function clearSessionCookie(o: { secure: boolean }): string {
  return sessionCookie('', { secure: o.secure, maxAgeSeconds: 0 });
}
