/** REST helpers: same-origin JSON calls with the session cookie; errors carry code and retry time. */

/** An API error with the server's code, message and (for 429/423) seconds until retry. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfter: number | null, readonly body: Record<string, unknown>) {
    super(message);
  }
}

/** Calls a JSON endpoint; throws {@link ApiError} on a non-2xx answer. */
export async function api<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const r = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
  });
  let body: Record<string, unknown> = {};
  try { body = (await r.json()) as Record<string, unknown>; } catch { /* not JSON */ }
  if (!r.ok) {
    const header = Number(r.headers.get('retry-after'));
    const field = typeof body.retry_after_seconds === 'number' ? body.retry_after_seconds : null;
    const retry = field ?? (Number.isFinite(header) && header > 0 ? header : null);
    throw new ApiError(r.status, String(body.code ?? `HTTP_${r.status}`), String(body.error ?? r.statusText), retry, body);
  }
  return body as T;
}

/** POST /api/rpc for one method; throws with the RPC error code (e.g. UNKNOWN_METHOD). */
export async function rpc<T = any>(method: string, params?: unknown): Promise<T> {
  const r = await api<{ ok: boolean; payload?: T; error?: { code: string; message: string } }>('/api/rpc', { body: { method, params } }).catch((e: unknown) => {
    if (e instanceof ApiError && e.body.error && typeof e.body.error === 'object') {
      const er = e.body.error as { code: string; message: string };
      throw new ApiError(e.status, er.code, er.message, null, e.body);
    }
    throw e;
  });
  if (!r.ok) throw new ApiError(400, r.error?.code ?? 'ERROR', r.error?.message ?? 'request failed', null, {});
  return r.payload as T;
}

/** The shape of GET /api/auth/status. */
export interface AuthStatus {
  setup_required: boolean; setup_complete: boolean; has_passkeys: boolean; has_password: boolean;
  authenticated: boolean; auth_disabled: boolean; setup_code_required: boolean; localhost_only: boolean;
  webauthn_available?: boolean;
  /** The password rule, stated before the user types. */
  password_min_length?: number;
}

/** Human text for an error, with the retry time when the server gave one. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.retryAfter !== null ? `${e.message} (retry in ${formatSeconds(e.retryAfter)})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** 75 → "1m 15s". */
export function formatSeconds(s: number): string {
  s = Math.max(0, Math.ceil(s));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
