import type { APICallError } from 'ai';

/** The SDK's own brand check, without loading the SDK (errors only arrive after it loaded). */
const isApiCallError = (e: unknown): e is APICallError =>
  typeof e === 'object' && e !== null && Symbol.for('vercel.ai.error.AI_APICallError') in e;
import { ProviderError } from './providers.js';

/**
 * Turns whatever a model call threw into one sentence the user can act on. Raw provider bodies
 * are not echoed beyond their `error.message` (they may quote request data).
 */
export function readableError(err: unknown, o: { provider: string; timeoutSecs: number }): string {
  if (err instanceof ProviderError) return err.message;
  const e = isApiCallError((err as { cause?: unknown })?.cause) ? (err as { cause: APICallError }).cause : err;
  if (isApiCallError(e)) {
    const detail = providerMessage(e.responseBody);
    const suffix = detail ? `: ${detail}` : '';
    if (e.statusCode === 401 || e.statusCode === 403) return `${o.provider} rejected the API key (${e.statusCode})${suffix} — check the key (providers.save_key) or the provider's settings`;
    if (e.statusCode === 429) return `${o.provider} is rate-limiting requests (429)${suffix} — wait a moment and try again`;
    if (e.statusCode === 404) return `${o.provider} does not know this model or endpoint (404)${suffix} — check models and base_url in moltis.toml`;
    if (e.statusCode !== undefined && e.statusCode >= 500) return `${o.provider} failed (${e.statusCode})${suffix} — try again later`;
    if (e.statusCode === undefined) return `cannot reach ${o.provider} (${e.message}) — is the server running and base_url right?`;
    return `${o.provider} refused the request (${e.statusCode})${suffix}`;
  }
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `${o.provider} did not answer within ${o.timeoutSecs}s`;
  const code = (err as { code?: string; cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET') return `cannot reach ${o.provider} (${code}) — is the server running and base_url right?`;
  return `the model call failed: ${(err as Error)?.message ?? String(err)}`;
}

function providerMessage(body: string | undefined): string | null {
  if (!body) return null;
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof m === 'string' ? m.slice(0, 300) : null;
  } catch {
    return null;
  }
}
