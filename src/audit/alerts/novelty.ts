/**
 * `exec.unusual_command` by novelty (the brief: "commands never seen before in that session
 * family"): the programs a command runs, per session family, remembered in SQLite. A job that ran
 * `git pull && npm test` every night and now runs `curl … | sh`, or a chat that suddenly runs
 * `nc`, is worth a look; a family still learning (young, or few commands seen) stays quiet.
 */
import type { AuditRow, CommandShapesRepo } from '../../store/index.js';
import { isChannelSession } from '../../policy/index.js';

/** The `[monitoring]` settings this rule reads. */
export interface NoveltySettings {
  unusual_commands: boolean; unusual_commands_severity: 'info' | 'warn';
  unusual_commands_learning_hours: number; unusual_commands_learning_runs: number;
  unusual_commands_max_shapes: number; unusual_commands_max_families: number;
}

/**
 * The family of a session key: `cron:<job>` (one per job), `<channel>:<account>:<chat>` (one per
 * chat; threads fold into their chat), and `main` for every operator session (web UI, API).
 */
export function sessionFamily(sessionKey: string): string {
  if (sessionKey.startsWith('cron:')) return sessionKey.split(':', 2).join(':');
  if (isChannelSession(sessionKey)) return sessionKey.split(':', 3).join(':');
  return 'main';
}

// Words that run the next word: the program of interest is after them.
const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'time', 'exec', 'command', 'builtin', 'nice', 'ionice', 'timeout', 'stdbuf', 'doas']);
const MAX_SHAPES = 8;

/**
 * The programs a command line runs (first word of each pipeline stage or list item, env
 * assignments, wrappers and paths stripped). Attacker-chosen text: only a short, plain-character
 * name is kept; anything else becomes `?` (still a shape, so odd names are not invisible).
 */
export function commandShapes(command: string): string[] {
  const out = new Set<string>();
  for (const part of command.split(/\|\||&&|[|;&\n]|\$\(|`|\(|\)/)) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    let i = 0;
    let afterWrapper = false;
    while (i < words.length) {
      const w = words[i]!;
      // Assignments, wrappers, and a wrapper's flags and numbers (`timeout 5`, `nice -n 10`) are not the program.
      const skip = /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || WRAPPERS.has(w) || (afterWrapper && (w.startsWith('-') || /^\d+[a-z]?$/.test(w)));
      if (!skip) break;
      // Wrapper flags that take a value (`sudo -u root`, `nice -n 5`, `timeout -s KILL`): skip the value too.
      if (afterWrapper && /^-[ugnskcC]$/.test(w)) i++;
      afterWrapper ||= WRAPPERS.has(w);
      i++;
    }
    const w = words[i];
    if (!w) continue;
    const name = w.replace(/^["']|["']$/g, '').split('/').pop() ?? '';
    out.add(/^[A-Za-z0-9._+-]{1,32}$/.test(name) ? name : '?');
    if (out.size >= MAX_SHAPES) break;
  }
  return [...out];
}

/** What the rule reports: the new programs and the family. */
export interface Novelty { family: string; fresh: string[] }

/** Builds the detector; `observe` returns the programs new to a family past its learning period. */
export function createNovelty(repo: CommandShapesRepo, s: NoveltySettings) {
  const bounds = { maxShapes: s.unusual_commands_max_shapes, maxFamilies: s.unusual_commands_max_families };
  return (r: AuditRow, session: string, command: string): Novelty | null => {
    if (!s.unusual_commands) return null;
    const shapes = commandShapes(command);
    if (!shapes.length) return null;
    const family = sessionFamily(session);
    const f = repo.family(family);
    const known = f ? repo.known(family, shapes) : new Set<string>();
    repo.record(family, shapes, r.created_at, bounds);
    // A brand-new family has no baseline; a young or quiet one is still learning.
    if (!f || r.created_at - f.first_seen < s.unusual_commands_learning_hours * 3600_000 || f.commands < s.unusual_commands_learning_runs) return null;
    const fresh = shapes.filter((x) => !known.has(x));
    return fresh.length ? { family, fresh } : null;
  };
}
