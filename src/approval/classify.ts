import type { ApprovalMode, SecurityLevel } from '../config/index.js';
import { analyze } from './analyze.js';
import type { SimpleCmd } from './simple-cmd.js';
import { floorApplies, floorHits, type SandboxContext, type Scope } from './floor.js';
import { allowlistReason, smartReason } from './smart.js';
import { loadShellParser, type ShellParser } from './tree.js';

export { parseApprovalMode, type ApprovalMode, type SecurityLevel, type FloorInSandbox } from '../config/index.js';

/**
 * The classifier's verdict on one command line. `rule` names the floor rule that matched, if
 * any; `floor` is true when that rule is why a human is asked. `deny`: refused outright.
 */
export interface Decision { command: string; decision: 'run' | 'ask' | 'deny'; floor: boolean; rule: string | null; scope: Scope | null; reason: string }

/** Per-call policy. */
export interface ClassifierOptions {
  mode: ApprovalMode;
  /** `[tools.exec] security_level`; omitted means no restriction beyond `mode` (as "full"). */
  securityLevel?: SecurityLevel;
  /**
   * User allowlist (`[tools.exec] allowlist`). An entry is compared with each simple command after
   * quote removal and unwrapping (`sudo git push -f origin main` is `git push -f origin main`);
   * `*` matches within one word, `?` one character. A matching command skips the floor, and in
   * smart mode (and at security level "allowlist") counts as approved.
   */
  allowlist?: readonly string[];
  /** The command runs in an isolating sandbox: only the floor rules `floor_in_sandbox` keeps apply. */
  sandbox?: SandboxContext;
}

/** The classifier `exec` and `moltis approval check` share. */
export interface Classifier {
  /** Classifies one command line. The first call loads the shell grammar and waits for it. */
  classify(command: string, o: ClassifierOptions): Promise<Decision>;
  /** Loads the shell grammar now (once; later calls return the same promise). */
  load(): Promise<void>;
  /** Synchronous `classify` for after `load()` resolved. Before that, every command asks. */
  classifySync(command: string, o: ClassifierOptions): Decision;
  close(): void;
}

/** Longer input is not classified: a human looks at it. */
const MAX_COMMAND_CHARS = 65_536;
/** Compiled allowlist entries kept per classifier (an entry's pattern depends on its text only). */
const MAX_COMPILED_ENTRIES = 1024;

function globToRegExp(entry: string): RegExp {
  const body = entry.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^ ]*').replace(/\?/g, '[^ ]');
  return new RegExp(`^${body}$`);
}

function normalized(c: SimpleCmd): string { return c.argv.map((w) => w.text).join(' '); }

function ask(command: string, reason: string, rule: string | null = null, scope: Scope | null = null, floor = rule !== null): Decision {
  return { command, decision: 'ask', floor, rule, scope, reason };
}

function run(command: string, reason: string, rule: string | null = null, scope: Scope | null = null): Decision {
  return { command, decision: 'run', floor: false, rule, scope, reason };
}

function notListed(): boolean { return false; }

/**
 * Creates the shell-command classifier. Nothing is loaded here: the tree-sitter grammar (WASM)
 * loads on the first `classify` (or `load`), so importing or creating this costs no start-up
 * time. After that, classification is synchronous work on one reused parser.
 */
export function createClassifier(): Classifier {
  let parser: ShellParser | null = null;
  let loading: Promise<void> | null = null;
  let closed = false;
  /** Allowlist entry → its pattern. Bounded; an entry's pattern depends on nothing but its text. */
  const compiled = new Map<string, RegExp>();

  function load(): Promise<void> {
    loading ??= loadShellParser().then((p) => {
      if (closed) p.close(); else parser = p;
    });
    return loading;
  }

  function compileEntry(p: ShellParser, e: string): RegExp {
    let re = compiled.get(e);
    if (re === undefined) {
      const a = analyze(p, e);
      const first = a.failed === null && a.cmds.length === 1 ? a.cmds[0] : undefined;
      re = globToRegExp(first ? normalized(first) : e.trim().split(/\s+/).join(' '));
      if (compiled.size >= MAX_COMPILED_ENTRIES) compiled.clear();
      compiled.set(e, re);
    }
    return re;
  }

  function classifySync(command: string, o: ClassifierOptions): Decision {
    // The brief's "deny": no command runs, not even after approval.
    if (o.securityLevel === 'deny') return { command, decision: 'deny', floor: false, rule: null, scope: null, reason: 'security_level is "deny": every command is refused' };
    // Fail closed: what we cannot read we cannot check against the floor, in any mode or sandbox.
    if (command.length > MAX_COMMAND_CHARS) return ask(command, 'command too long to classify', 'unparsable', 'workspace');
    if (command.trim() === '') return ask(command, 'empty command');
    // Fail closed: without the grammar nothing can be checked against the floor.
    if (parser === null) return ask(command, closed ? 'the classifier is closed' : 'the shell grammar is not loaded yet', 'unparsable', 'workspace');
    const p = parser;
    const a = analyze(p, command);
    if (a.failed !== null) return ask(command, a.failed, 'unparsable', 'workspace');
    const entries = o.allowlist ?? [];
    let allowed: ((c: SimpleCmd | null) => boolean) | null = null;
    if (entries.length > 0) {
      /** Allowlist entries go through the same normalization as commands, so quoting and wrappers do not matter. */
      const allow = entries.map((e) => compileEntry(p, e));
      const whole = command.trim();
      // A glob never spans commands: script-wide hits (fork bomb, device redirect) need an entry equal to the whole line.
      allowed = (c) => (c ? allow.some((re) => re.test(normalized(c))) : entries.some((e) => e.trim() === whole));
    }
    const isAllowed = allowed;
    const hits = isAllowed ? floorHits(a).filter((h) => !isAllowed(h.cmd)) : floorHits(a);
    const hit = hits.find((h) => floorApplies(h, o.sandbox));
    if (hit) return ask(command, `dangerous command (${hit.rule}): ${hit.reason}`, hit.rule, hit.scope);
    // A match the sandbox absorbs (floor_in_sandbox): reported, and never run unasked in smart mode.
    const held = hits[0];
    const heldNote = held ? `floor rule ${held.rule} does not apply in this sandbox (its effect stays inside)` : '';
    if (o.mode === 'always') return ask(command, 'approval_mode is "always"', held?.rule ?? null, held?.scope ?? null, false);
    const listed = isAllowed ? (c: SimpleCmd) => c.argv.length > 0 && isAllowed(c) : notListed;
    if (o.securityLevel === 'allowlist') {
      const why = allowlistReason(a, listed);
      return why ? ask(command, `security_level is "allowlist": ${why}`, held?.rule ?? null, held?.scope ?? null, false) : run(command, 'every command is allowlisted', held?.rule ?? null, held?.scope ?? null);
    }
    if (o.mode === 'never') return run(command, held ? `approval_mode is "never"; ${heldNote}` : 'approval_mode is "never" and no floor rule matched', held?.rule ?? null, held?.scope ?? null);
    if (held) return ask(command, `${heldNote}, but smart mode never runs a floor match unasked`, held.rule, held.scope, false);
    const why = smartReason(a, listed);
    return why ? ask(command, why) : run(command, 'every command is read-only');
  }

  return {
    async classify(command, o) {
      if (closed) throw new Error('the classifier is closed: create a new one with createClassifier()');
      await load();
      return classifySync(command, o);
    },
    load,
    classifySync,
    close() {
      closed = true;
      parser?.close();
      parser = null;
    },
  };
}
