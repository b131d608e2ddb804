/**
 * Chat-channel authorization (the brief's "Channel Authorization"): the permission levels, what
 * each level may make the agent do, and which sessions belong to channels. One place, so the
 * tool set of a channel turn, its scopes and the session isolation cannot drift apart.
 */
import { ALL_SCOPES } from './identity.js';
import type { Scope } from './scopes.js';

/** Per-channel permission levels, weakest first (the brief's read-only / execute / admin). */
export const CHANNEL_LEVELS = ['read-only', 'execute', 'admin'] as const;
export type ChannelLevel = (typeof CHANNEL_LEVELS)[number];

/** Is `v` a channel permission level? */
export function isChannelLevel(v: unknown): v is ChannelLevel {
  return typeof v === 'string' && (CHANNEL_LEVELS as readonly string[]).includes(v);
}

/** The weaker of two levels: a sender's level can only lower the account's, never raise it. */
export function lowerLevel(a: ChannelLevel, b: ChannelLevel): ChannelLevel {
  return CHANNEL_LEVELS.indexOf(a) <= CHANNEL_LEVELS.indexOf(b) ? a : b;
}

/**
 * Session-key prefixes of chat-channel sessions (`telegram:<account>:<chat>`, `slack:…`, and the
 * generic `channel:`). From the operator side these sessions are admin-only, and events naming
 * them never reach other connections.
 */
export const CHANNEL_SESSION_PREFIXES: readonly string[] = Object.freeze(['channel:', 'telegram:', 'slack:']);

/** Does this session belong to a chat channel? */
export function isChannelSession(sessionKey: string): boolean {
  return CHANNEL_SESSION_PREFIXES.some((p) => sessionKey.startsWith(p));
}

/** What one channel turn may do. */
export interface ChannelTurnPolicy {
  level: ChannelLevel;
  /** Scopes the turn runs with (tools are offered only when these satisfy the tool's scope). */
  scopes: readonly Scope[];
  /** Tool names the turn may be offered; null = every tool its scopes allow. */
  tools: ReadonlySet<string> | null;
  /** `always`: every command waits for a human, whatever `approval_mode` says. */
  approval: 'always' | 'configured';
}

// Fail closed: below admin a channel turn gets only tools named here, so a tool added later
// (cron, identity, session access, …) is never offered to strangers until someone decides it is safe.
/** Tools that only read and act on nothing outside the turn. */
const ANSWER_TOOLS = ['current_time'] as const;
/** Tools that reach outside (web_fetch can exfiltrate): offered only when the account allows. */
const WEB_TOOLS = ['web_fetch'] as const;
/** Tools that act; at `execute` each call waits for the owner's approval. */
const ACTING_TOOLS = ['exec'] as const;

/**
 * The scopes, tools and approval rule of a channel turn at `level`:
 * - read-only: answers only (no tool that acts; `web_fetch` only when the account allows it);
 * - execute: commands too, each one approved by a human (the brief: "with approval still required");
 * - admin: the owner's own id — everything, approvals as configured.
 */
export function channelTurnPolicy(level: ChannelLevel, o: { webFetch: boolean }): ChannelTurnPolicy {
  const base: string[] = [...ANSWER_TOOLS, ...(o.webFetch ? WEB_TOOLS : [])];
  switch (level) {
    case 'admin':
      return { level, scopes: ALL_SCOPES, tools: null, approval: 'configured' };
    case 'execute':
      return { level, scopes: ['operator.read', 'operator.write'], tools: new Set([...base, ...ACTING_TOOLS]), approval: 'always' };
    default:
      // Fail closed: any unknown level is read-only.
      return { level: 'read-only', scopes: ['operator.read'], tools: new Set(base), approval: 'always' };
  }
}
