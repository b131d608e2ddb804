/**
 * A job's creator and the identity its runs act as (invariant 10: never more than the creator).
 * The run identity carries the creator's credential, so `auth.revoked` aborts a running job turn
 * exactly like a chat turn, and the same predicate pauses the job.
 */
import type { Identity, Scope } from '../policy/index.js';
import type { Creator } from './types.js';

/** The creator record of a caller: its API key, else the owner (password/passkey/loopback). */
export function creatorOf(identity: Identity, via: Creator['via'], extra: { sessionKey?: string; toolCallId?: string } = {}): Creator {
  const base: Creator = identity.apiKeyId !== undefined
    ? { kind: 'apikey', method: 'api_key', apiKeyId: identity.apiKeyId, via }
    : { kind: 'owner', method: identity.method, via };
  return { ...base, ...(extra.sessionKey ? { sessionKey: extra.sessionKey } : {}), ...(extra.toolCallId ? { toolCallId: extra.toolCallId } : {}) };
}

/**
 * The identity a job's runs act as; null for system jobs. An owner's job is bound to the owner,
 * not to the browser session it came from (a logout does not stop it; a reset does, as do
 * revocations of loopback access for jobs created before setup).
 */
export function runIdentity(c: Creator, scopes: readonly Scope[]): Identity | null {
  if (c.kind === 'system') return null;
  if (c.kind === 'apikey' && c.apiKeyId !== undefined) return { method: 'api_key', scopes, apiKeyId: c.apiKeyId };
  return { method: c.method === 'loopback' ? 'loopback' : 'password', scopes };
}

/** A one-line "who" for the audit log: credential, how, from which session and tool call. */
export function describeCreator(c: Creator): string {
  const who = c.kind === 'apikey' ? `key:${c.apiKeyId}` : c.kind === 'owner' ? `owner:${c.method ?? 'password'}` : 'system';
  return `by=${who} via=${c.via}${c.sessionKey ? ` session=${c.sessionKey}` : ''}${c.toolCallId ? ` tool_call=${c.toolCallId}` : ''}`;
}
