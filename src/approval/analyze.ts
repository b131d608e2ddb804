import type { Node, Parser } from 'web-tree-sitter';
import { SHELLS, unwrap } from './unwrap.js';
import { basename, runsDownloader, wordOf, type Word } from './words.js';

/** One redirection anywhere in the script. `write` is true for anything that can create or change a file. */
export interface Redirect { op: string; target: Word | null; write: boolean }

/** A simple command after quote removal and unwrapping, with what the floor and smart rules need to know. */
export interface SimpleCmd {
  argv: Word[];
  wrappers: string[];
  /** Names assigned for this command (`FOO=1 cmd`, `env FOO=1 cmd`, `sudo FOO=1 cmd`). */
  assigns: string[];
  /** Set when a wrapper hands a script to a shell (`sh -c`, `eval`, `env -S`, `watch`); the script is analysed too. */
  runsScript: boolean;
  /** Heredoc / here-string text fed to this command. */
  stdinText: string | null;
  /** Commands in earlier stages of the same pipeline (their output is this command's input). */
  pipedFrom: SimpleCmd[];
  /** The command executes text produced by a downloader (`bash <(curl …)`, `bash -c "$(curl …)"`, `$(curl …)`). */
  execsDownload: boolean;
}

/** What the walker found. `failed` means the input could not be fully understood: callers fail closed. */
export interface Analysis {
  cmds: SimpleCmd[];
  redirects: Redirect[];
  /** Constructs smart mode never auto-approves, each as a short phrase. */
  issues: string[];
  /** Functions defined, and whether each calls itself (the fork-bomb shape). */
  functions: { name: string; recursive: boolean }[];
  failed: string | null;
}

/** Interpreters that run code read from stdin or from a substitution they are given. */
export const INTERPRETERS = new Set([...SHELLS, 'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'lua', 'source', '.', 'osascript', 'pwsh']);

/** Variables that change which code runs (loader, shell startup, search path, word splitting). */
const DANGEROUS_ENV = /^(PATH|LD_[A-Z_]*|DYLD_[A-Z_]*|BASH_ENV|ENV|IFS|PROMPT_COMMAND|ZDOTDIR|SHELLOPTS|BASHOPTS|PS4|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|NODE_OPTIONS|NODE_PATH|PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|GIT_[A-Z_]*|EDITOR|VISUAL|PAGER|GIT_SSH_COMMAND|BROWSER)$/i;

/** Payloads nest (`sh -c "eval 'bash -c …'"`); past this depth we stop and ask. */
const MAX_DEPTH = 8;

const REDIRECT_TYPES = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

/** Parses `source` with tree-sitter-bash and walks every command in it, recursing into script payloads. */
export function analyze(parser: Parser, source: string): Analysis {
  const a: Analysis = { cmds: [], redirects: [], issues: [], functions: [], failed: null };
  walkScript(parser, source, a, 0);
  return a;
}

function walkScript(parser: Parser, source: string, a: Analysis, depth: number): void {
  // Fail closed: a script we cannot see into may hide anything.
  if (depth > MAX_DEPTH) { a.failed = 'scripts nested too deeply'; return; }
  const tree = parser.parse(source);
  if (!tree) { a.failed = 'could not parse'; return; }
  try {
    if (tree.rootNode.hasError) { a.failed = 'could not parse'; return; }
    visit(parser, tree.rootNode, a, depth);
  } finally {
    tree.delete();
  }
}

function issue(a: Analysis, s: string): void { if (!a.issues.includes(s)) a.issues.push(s); }

function visit(parser: Parser, n: Node, a: Analysis, depth: number): void {
  switch (n.type) {
    case 'command': handleCommand(parser, n, [], a, depth); return;
    case 'redirected_statement': {
      const body = n.childForFieldName('body');
      const redirects = n.namedChildren.filter((c): c is Node => c !== null && REDIRECT_TYPES.has(c.type));
      if (body?.type === 'command') { handleCommand(parser, body, redirects, a, depth); return; }
      for (const r of redirects) handleRedirect(parser, r, null, a, depth);
      if (body) visit(parser, body, a, depth);
      return;
    }
    case 'pipeline': {
      const before: SimpleCmd[] = [];
      for (const stage of n.namedChildren) {
        if (!stage) continue;
        const start = a.cmds.length;
        visit(parser, stage, a, depth);
        const mine = a.cmds.slice(start);
        for (const c of mine) c.pipedFrom.push(...before);
        before.push(...mine);
      }
      return;
    }
    case 'function_definition': {
      issue(a, 'defines a shell function');
      const name = n.childForFieldName('name')?.text ?? '';
      const body = n.childForFieldName('body');
      const calls = body?.descendantsOfType('command_name') ?? [];
      a.functions.push({ name, recursive: calls.some((c) => c !== null && wordOf(c.namedChildren[0] ?? c).text === name) });
      if (body) visit(parser, body, a, depth);
      return;
    }
    case 'process_substitution': issue(a, 'uses process substitution'); break;
    case 'declaration_command': issue(a, `uses \`${n.firstChild?.text ?? 'declare'}\``); break;
    case 'unset_command': issue(a, 'uses `unset`'); break;
    case 'variable_assignment': {
      const name = n.childForFieldName('name')?.text ?? '';
      if (DANGEROUS_ENV.test(name)) issue(a, `sets ${name}`);
      break;
    }
    case 'file_redirect': case 'heredoc_redirect': case 'herestring_redirect':
      handleRedirect(parser, n, null, a, depth); return;
    default: break;
  }
  for (const c of n.namedChildren) if (c) visit(parser, c, a, depth);
}

function handleCommand(parser: Parser, n: Node, outer: Node[], a: Analysis, depth: number): void {
  const argv: Word[] = [];
  const assigns: string[] = [];
  const redirects: Node[] = [...outer];
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'variable_assignment') assigns.push(c.childForFieldName('name')?.text ?? '');
    else if (REDIRECT_TYPES.has(c.type)) redirects.push(c);
    else if (c.type === 'command_name') argv.push(wordOf(c.namedChildren[0] ?? c));
    else argv.push(wordOf(c));
  }
  const u = unwrap(argv);
  for (const w of u.assigns) assigns.push(w.text.slice(0, w.text.indexOf('=')));
  for (const name of assigns) if (DANGEROUS_ENV.test(name)) issue(a, `sets ${name}`);
  const cmd: SimpleCmd = { argv: u.argv, wrappers: u.wrappers, assigns, runsScript: u.payload !== null, stdinText: null, pipedFrom: [], execsDownload: false };
  const head = u.argv[0] ? basename(u.argv[0].text) : '';
  cmd.execsDownload = (argv[0] !== undefined && runsDownloader(argv[0])) ||
    ((u.payload !== null || INTERPRETERS.has(head)) && argv.slice(1).some(runsDownloader));
  a.cmds.push(cmd);
  // `find … -exec CMD {} ;` runs CMD: the floor must see it like any other command.
  if (head === 'find') {
    const args = u.argv.slice(1);
    for (let i = 0; i < args.length; i++) {
      if (!/^-(exec|execdir|ok|okdir)$/.test(args[i]!.text)) continue;
      let j = i + 1;
      while (j < args.length && args[j]!.text !== ';' && args[j]!.text !== '+') j++;
      const inner = unwrap(args.slice(i + 1, j));
      a.cmds.push({ ...cmd, argv: inner.argv, wrappers: [...u.wrappers, 'find', ...inner.wrappers], runsScript: inner.payload !== null, stdinText: null, pipedFrom: [] });
      if (inner.payload) walkScript(parser, inner.payload.text, a, depth + 1);
      i = j;
    }
  }
  for (const r of redirects) handleRedirect(parser, r, cmd, a, depth);
  if (u.payload) walkScript(parser, u.payload.text, a, depth + 1);
  // A shell reading its script from stdin (`bash <<EOF`, `sh -s <<< …`): that text is a script too.
  if (cmd.stdinText !== null && SHELLS.has(head) && !u.argv.slice(1).some((w) => !w.text.startsWith('-'))) {
    walkScript(parser, cmd.stdinText, a, depth + 1);
  }
  for (const c of n.namedChildren) if (c && !REDIRECT_TYPES.has(c.type)) visit(parser, c, a, depth);
}

function handleRedirect(parser: Parser, r: Node, cmd: SimpleCmd | null, a: Analysis, depth: number): void {
  if (r.type === 'heredoc_redirect') {
    const body = r.namedChildren.find((c) => c?.type === 'heredoc_body');
    let text = body?.text ?? '';
    if (/^<<-/.test(r.text)) text = text.replace(/^\t+/gm, '');
    if (cmd) cmd.stdinText = (cmd.stdinText ?? '') + text;
    if (body) visit(parser, body, a, depth); // unquoted heredocs expand `$(…)` in the body
    return;
  }
  if (r.type === 'herestring_redirect') {
    const w = r.namedChildren[0];
    if (w && cmd) cmd.stdinText = (cmd.stdinText ?? '') + wordOf(w).text;
    if (w) visit(parser, w, a, depth);
    return;
  }
  const dest = r.childForFieldName('destination');
  const target = dest ? wordOf(dest) : null;
  const op = r.children.filter((c) => c !== null && !c.isNamed).map((c) => c!.type).join('') || '>';
  const dup = (op === '>&' || op === '<&') && target !== null && /^(\d+|-)$/.test(target.text);
  const write = !dup && op !== '<' && op !== '<&' && !(target !== null && !target.dynamic && HARMLESS_TARGETS.has(target.text));
  a.redirects.push({ op, target, write });
  if (dest) visit(parser, dest, a, depth);
}
