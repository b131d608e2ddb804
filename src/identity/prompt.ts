/**
 * System prompt assembly. Order follows the original (intro → identity → soul → user →
 * workspace files) plus the tool list and the runtime clock, so the output is a pure function
 * of the files, the tool names and `now`.
 *
 * The files are trusted owner content and are included verbatim (only surrounding blank space
 * is trimmed). Each one sits under its own heading between BEGIN/END lines so the model can
 * tell where owner configuration starts and stops; the markers are for clarity, not a security
 * boundary (whoever writes these files already controls the agent).
 */
import type { IdentityFiles } from './types.js';

/** Options for {@link buildSystemPrompt}. */
export interface PromptOptions {
  now: Date;
  /** Tools offered in this turn; listed sorted and de-duplicated. */
  toolNames?: readonly string[];
  /**
   * Untrusted turn (guest, group chat, channel-bound session reached from elsewhere): omit the
   * owner's profile and show the time in UTC, so strangers cannot extract who the owner is.
   */
  untrusted?: boolean;
}

function fileBlock(fileName: string, text: string): string[] {
  return [`----- BEGIN ${fileName} -----`, text, `----- END ${fileName} -----`];
}

function formatNow(now: Date, timeZone: string | undefined): string {
  const iso = now.toISOString();
  if (timeZone === undefined) return `${iso} (UTC)`;
  try {
    const local = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'full', timeStyle: 'long' }).format(now);
    return `${local} (${timeZone}); ${iso} UTC`;
  } catch {
    return `${iso} (UTC)`;
  }
}

/** Renders the system prompt from already-read identity files. */
export function buildSystemPrompt(files: IdentityFiles, o: PromptOptions): string {
  const { identity, user } = files;
  const untrusted = o.untrusted === true;
  const out: string[] = [];

  const who = identity.emoji === '' ? identity.name : `${identity.name} ${identity.emoji}`;
  out.push(
    `You are ${who}, a personal AI agent running on your owner's own machine through the Moltis gateway.`,
    'The sections below come from files your owner maintains in the workspace. They are your configuration:',
    'follow them. You cannot change them; your owner edits them in Settings.',
  );

  out.push('', '## Identity (IDENTITY.md)', `Name: ${identity.name}`);
  if (identity.emoji !== '') out.push(`Emoji: ${identity.emoji}`);
  if (identity.creature !== '') out.push(`Creature: ${identity.creature}`);
  if (identity.vibe !== '') out.push(`Vibe: ${identity.vibe}`);
  const identityBody = files.identityBody.trim();
  if (identityBody !== '') out.push(...fileBlock('IDENTITY.md', identityBody));

  const soul = files.soul.trim();
  if (soul !== '') out.push('', '## Personality (SOUL.md)', ...fileBlock('SOUL.md', soul));

  if (!untrusted) {
    const lines: string[] = [];
    if (user.name !== undefined) lines.push(`The user's name is ${user.name}.`);
    if (user.pronouns !== undefined) lines.push(`Pronouns: ${user.pronouns}`);
    if (user.timezone !== undefined) lines.push(`Time zone: ${user.timezone}`);
    if (user.locale !== undefined) lines.push(`Locale: ${user.locale}`);
    if (user.notes !== undefined) lines.push('Notes:', ...fileBlock('USER.md notes', user.notes.trim()));
    const userBody = files.userBody.trim();
    if (userBody !== '') lines.push(...fileBlock('USER.md', userBody));
    if (lines.length > 0) out.push('', '## User (USER.md)', ...lines);
  }

  const tools = files.tools.trim();
  if (tools !== '') out.push('', '## Workspace context', '### TOOLS.md', ...fileBlock('TOOLS.md', tools));

  const names = [...new Set(o.toolNames ?? [])].sort();
  out.push('', '## Tools');
  out.push(names.length > 0 ? `Tools available in this conversation: ${names.join(', ')}.` : 'No tools are available in this conversation.');

  out.push('', '## Runtime', `Current time: ${formatNow(o.now, untrusted ? undefined : user.timezone)}`);
  return `${out.join('\n')}\n`;
}
