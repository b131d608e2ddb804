import { INTERPRETERS, type SimpleCmd } from '../simple-cmd.js';
import { HOOK_ENV } from '../env.js';
import { basename, commandKey, DOWNLOADERS } from '../words.js';
import type { Detector, Hit } from './types.js';

/**
 * Code-execution detectors, run on every command: downloaded code, programs from unreadable
 * producers, computed command names and computed shell-outs (the fail-closed shapes), forks in a
 * loop, and loader hooks set for the command.
 */
const label = (c: SimpleCmd) => c.argv[0]?.text ?? c.wrappers.at(-1) ?? 'the shell';

const curlPipe: Detector = (c) => {
  if (c.execsDownload) return { rule: 'curl-pipe-shell', reason: `\`${label(c)}\` runs downloaded content` };
  const key = c.argv[0] ? commandKey(c.argv[0].text) : '';
  const fetched = (INTERPRETERS.has(key) || c.stdinProgram !== null) && c.pipedFrom.some((p) => DOWNLOADERS.has(basename(p.argv[0]?.text ?? '')));
  return fetched ? { rule: 'curl-pipe-shell', reason: `downloaded content is piped into \`${label(c)}\`` } : null;
};

// Fail closed: the parser cannot know what these run.
const stdinScript: Detector = (c) => (c.programUnknown !== null ? { rule: 'stdin-script', reason: `\`${label(c)}\` runs a program produced by \`${c.programUnknown}\`` } : null);
const dynamicCommand: Detector = (c) => (c.dynamicHead !== null ? { rule: 'dynamic-command', reason: c.dynamicHead } : null);
const dynamicCode: Detector = (c) => (c.codeDynamic !== null ? { rule: 'dynamic-code', reason: `\`${label(c)}\` runs something computed at run time (${c.codeDynamic})` } : null);

const forkLoop: Detector = (c): Hit | null => (c.forkLoop ? { rule: 'fork-bomb', reason: `\`${label(c)}\` code forks in a loop` } : null);

const hookEnv: Detector = (c) => {
  const hook = c.assigns.find((n) => HOOK_ENV.test(n));
  return hook ? { rule: 'dangerous-env', reason: `sets ${hook} for the command (makes it load other code)` } : null;
};

/** Detectors applied to every command, in reporting order. */
export const EVERY_COMMAND: readonly Detector[] = [curlPipe, stdinScript, dynamicCommand, dynamicCode, forkLoop, hookEnv];
