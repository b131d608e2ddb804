import type { APICallError } from 'ai';
import { MODELS_PAGE, ProviderError } from './providers.js';

/** The SDK's own brand check, without loading the SDK (errors only arrive after it loaded). */
const isApiCallError = (e: unknown): e is APICallError =>
  typeof e === 'object' && e !== null && Symbol.for('vercel.ai.error.AI_APICallError') in e;

/**
 * Turns whatever a model call threw into sentences the user can act on: what went wrong, in the
 * provider's own words when it gave some, then the fix. Raw provider bodies are not echoed
 * beyond their `error.message` (they may quote request data).
 */
export function readableError(err: unknown, o: { provider: string; timeoutSecs: number }): string {
  if (err instanceof ProviderError) return err.message;
  const p = o.provider;
  const e = isApiCallError((err as { cause?: unknown })?.cause) ? (err as { cause: APICallError }).cause : err;
  if (isApiCallError(e)) {
    const detail = providerMessage(e.responseBody);
    const said = detail ? `: ${detail.replace(/\s*$/, '')}` : '';
    const s = e.statusCode;
    if (s === 401 || s === 403) return sentence(`${p} refused the API key (${s})${said}`, `Open ${MODELS_PAGE}, paste a valid key for ${p} and press Test.`);
    if (s === 429) return sentence(`${p} is rate-limiting requests (429)${said}`, 'Wait a moment and send again, or check your plan with the provider.');
    if (s === 404) return sentence(`${p} does not know this model or address (404)${said}`, `Pick another model, or check the provider's base URL and models in ${MODELS_PAGE}.`);
    if (s === 400) return sentence(`${p} refused the request (400)${said}`, 'If the model does not support tools or this kind of message, pick another model.');
    if (s !== undefined && s >= 500) return sentence(`${p} failed on its side (${s})${said}`, 'Try again in a moment.');
    if (s === undefined) return sentence(`Cannot reach ${p} (${networkReason(e.message) ?? e.message})`, `Is the server running, and is its base URL in ${MODELS_PAGE} right?`);
    return sentence(`${p} refused the request (${s})${said}`, `Check the provider in ${MODELS_PAGE}.`);
  }
  const name = (err as { name?: string })?.name;
  if (name === 'ProviderUrlError') return (err as Error).message;
  if (name === 'TimeoutError' || name === 'AbortError') return sentence(`${p} did not answer within ${o.timeoutSecs}s`, 'Try again, or raise [agent] request_timeout_secs for a slow local model.');
  const code = (err as { code?: string; cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  const why = networkReason(code ?? '');
  if (why) return sentence(`Cannot reach ${p} (${why})`, `Is the server running, and is its base URL in ${MODELS_PAGE} right?`);
  return `The model call failed: ${(err as Error)?.message ?? String(err)}`;
}

/** A network error code found in a message, in words (null when there is none). */
function networkReason(text: string): string | null {
  const m = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT/.exec(text)?.[0];
  if (!m) return null;
  return m === 'ECONNREFUSED' ? 'connection refused' : m === 'ECONNRESET' ? 'connection reset' : m === 'ENOTFOUND' || m === 'EAI_AGAIN' ? 'the name does not resolve' : m === 'ETIMEDOUT' ? 'connection timed out' : 'no route to the server';
}

/** "What happened. The fix." with exactly one full stop between them (provider names keep their case). */
export function sentence(what: string, fix: string): string {
  const w = what.replace(/\s+$/, '');
  return `${w}${/[.!?]$/.test(w) ? '' : '.'} ${fix}`;
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
