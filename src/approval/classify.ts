import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import { analyze, type SimpleCmd } from './analyze.js';
import { floorHits } from './floor.js';
import { smartReason } from './smart.js';

/** `[tools.exec] approval_mode`. */
export type ApprovalMode = 'always' | 'smart' | 'never';

/** The classifier's verdict on one command line. `rule` names the floor rule that fired, if any. */
export interface Decision { command: string; decision: 'run' | 'ask'; floor: boolean; rule: string | null; reason: string }

/** Per-call policy. */
export interface ClassifierOptions {
  mode: ApprovalMode;
  /**
   * User allowlist (`[tools.exec] allowlist`). An entry is compared with each simple command after
   * quote removal and unwrapping (`sudo git push -f origin main` is `git push -f origin main`);
   * `*` matches within one word, `?` one character. A matching command skips the floor, and in
   * smart mode counts as safe.
   */
  allowlist?: readonly string[];
  /** The command runs in an isolating sandbox: the floor (a host-protection measure) is skipped. */
  sandboxed?: boolean;
}

/** The classifier `exec` and `moltis approval check` share. */
export interface Classifier { classify(command: string, o: ClassifierOptions): Decision; close(): void }

const MODES: Readonly<Record<string, ApprovalMode>> = { always: 'always', smart: 'smart', 'on-miss': 'smart', on_miss: 'smart', never: 'never', off: 'never' };

/** Parses `approval_mode` (case-insensitive, trimmed; aliases `on-miss`, `on_miss` → smart, `off` → never). Throws on anything else. */
export function parseApprovalMode(v: string): ApprovalMode {
  const m = MODES[v.trim().toLowerCase()];
  if (!m) throw new Error(`invalid approval_mode ${JSON.stringify(v)}: expected always, smart (on-miss) or never (off)`);
  return m;
}

/** Longer input is not classified: a human looks at it. */
const MAX_COMMAND_CHARS = 65_536;

function globToRegExp(entry: string): RegExp {
  const body = entry.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^ ]*').replace(/\?/g, '[^ ]');
  return new RegExp(`^${body}$`);
}

function normalized(c: SimpleCmd): string { return c.argv.map((w) => w.text).join(' '); }

/**
 * Creates the shell-command classifier. Loading the tree-sitter grammar is async; after that,
 * `classify` is synchronous and reuses one parser (tens of microseconds per typical command).
 */
export async function createClassifier(): Promise<Classifier> {
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  const language = await Language.load(wasm);
  const parser = new Parser();
  parser.setLanguage(language);

  /** Allowlist entries go through the same normalization as commands, so quoting and wrappers do not matter. */
  function compileAllowlist(entries: readonly string[]): RegExp[] {
    return entries.map((e) => {
      const a = analyze(parser, e);
      const first = a.failed === null && a.cmds.length === 1 ? a.cmds[0] : undefined;
      return globToRegExp(first ? normalized(first) : e.trim().split(/\s+/).join(' '));
    });
  }

  function classify(command: string, o: ClassifierOptions): Decision {
    const ask = (reason: string, rule: string | null = null): Decision => ({ command, decision: 'ask', floor: rule !== null, rule, reason });
    if (command.length > MAX_COMMAND_CHARS) return ask('command too long to classify');
    if (command.trim() === '') return ask('empty command');
    const a = analyze(parser, command);
    // Fail closed: what we cannot parse we cannot check against the floor, in any mode.
    if (a.failed !== null) return ask(a.failed);
    const allow = compileAllowlist(o.allowlist ?? []);
    const whole = command.trim();
    // A glob never spans commands: script-wide hits (fork bomb, device redirect) need an entry equal to the whole line.
    const allowed = (c: SimpleCmd | null): boolean =>
      c ? allow.some((re) => re.test(normalized(c))) : (o.allowlist ?? []).some((e) => e.trim() === whole);
    if (!o.sandboxed) {
      const hit = floorHits(a).find((h) => !allowed(h.cmd));
      if (hit) return ask(`dangerous command (${hit.rule}): ${hit.reason}`, hit.rule);
    }
    if (o.mode === 'always') return ask('approval_mode is "always"');
    if (o.mode === 'never') return { command, decision: 'run', floor: false, rule: null, reason: 'approval_mode is "never" and no floor rule matched' };
    const why = smartReason(a, (c) => allow.length > 0 && c.argv.length > 0 && allowed(c));
    if (why) return ask(why);
    return { command, decision: 'run', floor: false, rule: null, reason: 'every command is read-only' };
  }

  return {
    classify,
    close() { parser.delete(); },
  };
}
