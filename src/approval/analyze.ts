import type { Node, ShellParser } from './tree.js';
import { codeLang, inlineCode, scanCode, type CodeLang } from './code.js';
import { embeddedScripts } from './embedded.js';
import { HOOK_ENV, SMART_ENV } from './env.js';
import { SHELLS, unwrap } from './unwrap.js';
import { collectVars, hasKnownExpansion, nextCwd, renderSource } from './vars.js';
import { INTERPRETERS, producerText, SETUP_PRODUCERS, type Analysis, type SimpleCmd } from './simple-cmd.js';
import { basename, commandKey, DOWNLOADERS, runsDownloader, wordOf, type Word } from './words.js';

/** Payloads nest (`sh -c "eval 'bash -c …'"`); past this depth we stop and ask. */
const MAX_DEPTH = 8;
/** Scripts parsed for one command line (payloads, variants, code): past this we stop and ask. */
const MAX_WALKS = 256;

const REDIRECT_TYPES = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);
const IFS = /\$\{?IFS\b/;
const IFS_ALL = /\$\{IFS\}|\$IFS(?![A-Za-z0-9_])/g;
const STDIN_FILES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

interface Walk { parser: ShellParser; a: Analysis; depth: number; remote: boolean }

/** Parses `source` with tree-sitter-bash and walks every command in it, recursing into script payloads. */
export function analyze(parser: ShellParser, source: string): Analysis {
  const a: Analysis = { cmds: [], redirects: [], issues: [], functions: [], hookEnv: [], vars: { vars: new Map(), ifsAssigned: false, aliases: new Map() }, cwd: '', walks: 0, failed: null };
  walkScript({ parser, a, depth: 0, remote: false }, source.replace(/\r\n/g, '\n'));
  return a;
}

function walkScript(w: Walk, source: string): void {
  // Fail closed: a script we cannot see into may hide anything.
  if (w.depth > MAX_DEPTH) { w.a.failed = 'scripts nested too deeply'; return; }
  if (++w.a.walks > MAX_WALKS) { w.a.failed = 'too many nested scripts to check'; return; }
  const tree = w.parser.parse(source);
  if (!tree || tree.hasError) { w.a.failed = 'could not parse'; return; }
  collectVars(tree.root, w.a.vars);
  visit(w, tree.root);
  // `rm$IFS-rf$IFS/`: unquoted $IFS splits words; read the line with it as a space, too.
  if (!w.a.vars.ifsAssigned && IFS.test(source)) walkScript(deeper(w), source.replace(IFS_ALL, ' '));
}

function deeper(w: Walk, remote = w.remote): Walk { return { parser: w.parser, a: w.a, depth: w.depth + 1, remote }; }

function issue(a: Analysis, s: string): void { if (!a.issues.includes(s)) a.issues.push(s); }

/** A program the command reads from stdin (heredoc, here-string, echo …): parse it, or scan it as code. */
function runProgram(w: Walk, c: SimpleCmd, text: string): void {
  if (c.stdinProgram === 'shell') { walkScript(deeper(w, c.remote), text); return; }
  if (c.stdinProgram) scanInto(w, c, c.stdinProgram, text);
}

function scanInto(w: Walk, c: SimpleCmd, lang: CodeLang, code: string): void {
  const f = scanCode(lang, code);
  c.codeDynamic ??= f.dynamic;
  c.forkLoop ||= f.forkLoop;
  for (const s of f.scripts) walkScript(deeper(w, c.remote), s);
}

/** Pipeline stages in order; `first` is what feeds the first stage (`cat <<EOF | sh`: the cat). */
function visitStages(w: Walk, stages: Node[], first: SimpleCmd[]): void {
  const a = w.a;
  const before: SimpleCmd[] = [...first];
  let prev: SimpleCmd[] = first;
  for (const stage of stages) {
    const start = a.cmds.length;
    visit(w, stage);
    const mine = a.cmds.slice(start);
    for (const c of mine) { c.pipedFrom.push(...before); if (c.feeder.length === 0) c.feeder = prev; }
    // A shell or interpreter reading its program from the previous stage.
    for (const c of mine) {
      if (!c.stdinProgram || c.stdinText !== null || prev.length === 0 || c.execsDownload) continue;
      if (prev.some((p) => DOWNLOADERS.has(basename(p.argv[0]?.text ?? '')))) continue; // curl-pipe-shell
      const text = producerText(prev);
      if (text !== null) runProgram(w, c, text);
      else c.programUnknown = prev.map((p) => p.argv[0]?.text ?? p.wrappers.at(-1) ?? '?').join(' ');
    }
    before.push(...mine);
    prev = mine;
  }
}

function visit(w: Walk, n: Node): void {
  const a = w.a;
  switch (n.type) {
    case 'command': handleCommand(w, n, []); return;
    case 'redirected_statement': {
      const body = n.childForFieldName('body');
      const redirects = n.namedChildren.filter((c): c is Node => c !== null && REDIRECT_TYPES.has(c.type));
      if (body?.type === 'command') { handleCommand(w, body, redirects); return; }
      // The grammar hangs `a && b > f` on the whole list; bash redirects only `b`: after the list, in its directory.
      if (body) visit(w, body);
      for (const r of redirects) handleRedirect(w, r, null);
      return;
    }
    case 'pipeline': visitStages(w, n.namedChildren.filter((c): c is Node => c !== null), []); return;
    case 'function_definition': {
      issue(a, 'defines a shell function');
      const name = n.childForFieldName('name')?.text ?? '';
      const body = n.childForFieldName('body');
      const calls = (body?.descendantsOfType('command') ?? []).filter((c): c is Node => c !== null && wordOf(c.childForFieldName('name')?.namedChildren[0] ?? c).text === name);
      const bomb = calls.length >= 2 || calls.some((c) => c.parent?.type === 'pipeline' || c.nextSibling?.type === '&' || c.parent?.nextSibling?.type === '&');
      a.functions.push({ name, recursive: calls.length > 0, bomb });
      if (body) visit(w, body);
      return;
    }
    case 'process_substitution': issue(a, 'uses process substitution'); break;
    case 'declaration_command': issue(a, `uses \`${n.firstChild?.text ?? 'declare'}\``); break;
    case 'unset_command': issue(a, 'uses `unset`'); break;
    case 'variable_assignment': {
      const name = n.childForFieldName('name')?.text ?? '';
      if (SMART_ENV.test(name)) issue(a, `sets ${name}`);
      // Prefix assignments (`FOO=1 cmd`) belong to their command; statements affect what follows.
      if (HOOK_ENV.test(name) && n.parent?.type !== 'command') a.hookEnv.push({ name, remote: w.remote });
      break;
    }
    case 'file_redirect': case 'heredoc_redirect': case 'herestring_redirect':
      handleRedirect(w, n, null); return;
    default: break;
  }
  for (const c of n.namedChildren) if (c) visit(w, c);
}

/** `"$HOME/bin/tool"`: a literal path under home, not a computed command. */
const HOME_PATH = /^\$(HOME|PWD)\/[^$`*?[{]*$/;

/** The command name is dynamic: try the values the script gives it, else record why we cannot know. */
function resolveHead(w: Walk, c: SimpleCmd, argv: Word[]): void {
  const head = argv[0]!;
  if (HOME_PATH.test(head.text) || c.execsDownload) return;
  const sub = head.node?.type === 'command_substitution' ? head.node : head.node?.namedChildren.length === 1 && head.node.namedChildren[0]?.type === 'command_substitution' ? head.node.namedChildren[0] : null;
  const inner = sub?.descendantsOfType('command_name')[0];
  if (inner && SETUP_PRODUCERS.has(basename(wordOf(inner.namedChildren[0] ?? inner).text))) return;
  const first = head.node ? renderSource(head.node, w.a.vars, true) : null;
  // Fail closed: what runs is decided at run time (a substitution, an unknown variable, word splitting).
  if (first === null) { c.dynamicHead = `the command name \`${head.text.length > 40 ? `${head.text.slice(0, 40)}…` : head.text}\` is computed at run time`; return; }
  walkVariants(w, c, [first, ...argv.slice(1).map((x) => (x.node ? renderSource(x.node, w.a.vars, false) : null) ?? [x.node?.text ?? x.text])]);
}

/** Walks every combination (at most 8) of the rendered words as a command line of its own. */
function walkVariants(w: Walk, c: SimpleCmd, parts: string[][]): void {
  let lines = [''];
  for (const p of parts) { lines = lines.flatMap((l) => p.map((x) => (l ? `${l} ${x}` : x))); if (lines.length > 8) lines = lines.slice(0, 8); }
  for (const l of lines) walkScript(deeper(w, c.remote), l);
}

function handleCommand(w: Walk, n: Node, outer: Node[]): void {
  const a = w.a;
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
  const remote = w.remote || u.remote;
  for (const x of u.assigns) assigns.push(x.text.slice(0, x.text.indexOf('=')));
  for (const name of assigns) if (SMART_ENV.test(name)) issue(a, `sets ${name}`);
  const cmd: SimpleCmd = {
    argv: u.argv, wrappers: u.wrappers, assigns, runsScript: u.payload !== null, stdinText: null, pipedFrom: [], feeder: [], execsDownload: false,
    cwd: a.cwd, remote, dynamicHead: null, stdinProgram: null, programUnknown: null, codeDynamic: null, forkLoop: false, vars: a.vars,
  };
  const head = u.argv[0];
  const key = head ? commandKey(head.text) : '';
  const args = u.argv.slice(1);
  cmd.execsDownload = (argv[0] !== undefined && runsDownloader(argv[0])) ||
    ((u.payload !== null || INTERPRETERS.has(key)) && argv.slice(1).some(runsDownloader));
  a.cmds.push(cmd);
  const inner: Walk = remote === w.remote ? w : { parser: w.parser, a: w.a, depth: w.depth, remote };
  const alias = head && !head.dynamic ? a.vars.aliases.get(head.text) : undefined;
  if (alias !== undefined) walkVariants(inner, cmd, [[alias], ...args.map((x) => [x.node?.text ?? x.text])]);
  if (head?.dynamic) resolveHead(inner, cmd, u.argv);
  else if (args.some((x) => x.dynamic && x.node !== null && hasKnownExpansion(x.node, a.vars))) {
    walkVariants(inner, cmd, u.argv.map((x) => (x.node ? renderSource(x.node, a.vars, false) : null) ?? [x.node?.text ?? x.text]));
  }
  // `find … -exec CMD {} ;` runs CMD: the floor must see it like any other command.
  if (key === 'find') {
    for (let i = 0; i < args.length; i++) {
      if (!/^-(exec|execdir|ok|okdir)$/.test(args[i]!.text)) continue;
      let j = i + 1;
      while (j < args.length && args[j]!.text !== ';' && args[j]!.text !== '+') j++;
      const sub = unwrap(args.slice(i + 1, j));
      a.cmds.push({ ...cmd, argv: sub.argv, wrappers: [...u.wrappers, 'find', ...sub.wrappers], runsScript: sub.payload !== null, stdinText: null, pipedFrom: [], feeder: [] });
      if (sub.payload) walkPayload(inner, sub.payload, true, sub.positional);
      i = j;
    }
  }
  const emb = embeddedScripts(key, args);
  for (const s of emb.scripts) walkScript(deeper(inner), s);
  cmd.codeDynamic ??= emb.unknown;
  const lang = codeLang(key);
  if (lang) {
    const ic = inlineCode(lang, args.map((x) => x.text));
    for (const code of ic.code) scanInto(inner, cmd, lang, code);
    if (ic.readsStdin && lang !== 'awk') cmd.stdinProgram = lang;
  }
  const operands = args.filter((x) => !x.text.startsWith('-'));
  if ((SHELLS.has(key) && (operands.length === 0 || args.some((x) => /^-[a-zA-Z]*s[a-zA-Z]*$/.test(x.text)))) ||
    ((key === 'at' || key === 'batch') && !args.some((x) => /^-[a-zA-Z]*[flrdcL]/.test(x.text))) ||
    ((key === 'source' || key === '.') && STDIN_FILES.has(operands[0]?.text ?? '')) || (key === 'parallel' && emb.readsCommands) || (SHELLS.has(key) && STDIN_FILES.has(operands[0]?.text ?? ''))) {
    cmd.stdinProgram = 'shell';
  }
  // `bash <(…)`, `source <(…)`, `python3 <(…)`: the program is another command's output.
  const script = operands[0]?.node?.type === 'process_substitution' && (SHELLS.has(key) || lang !== null || key === 'source' || key === '.') ? operands[0].node : null;
  if (script && !cmd.execsDownload) {
    const producer = script.descendantsOfType('command_name')[0];
    const name = producer ? basename(wordOf(producer.namedChildren[0] ?? producer).text) : '?';
    if (!SETUP_PRODUCERS.has(name) && !/\bcompletion\b/.test(script.text)) cmd.programUnknown = name;
  }
  for (const r of redirects) handleRedirect(inner, r, cmd);
  if (u.payload) walkPayload(inner, u.payload, u.wrappers.includes('xargs'), u.positional);
  if (u.asWritten !== null && u.asWritten !== u.payload?.text) walkScript(deeper(inner), u.asWritten);
  // A shell or interpreter reading its program from a heredoc or here-string: that text is a program too.
  if (cmd.stdinText !== null && cmd.stdinProgram) runProgram(inner, cmd, cmd.stdinText);
  if (key === 'cd' || key === 'pushd' || key === 'popd') a.cwd = nextCwd(a.cwd, key, args, a.vars);
  for (const c of n.namedChildren) if (c && !REDIRECT_TYPES.has(c.type)) visit(inner, c);
}

const POSITIONAL = /"\$[@*]"|\$[@*]|\$\{?([1-9])\}?/;
const POSITIONAL_ALL = new RegExp(POSITIONAL.source, 'g');
/** An argument spliced into script text: as is when it carries no quoting or expansion, else single-quoted. */
const splice = (s: string) => (/^[^\s"'`$\\;&|<>()]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * A script handed to a shell (`sh -c`, `eval`, `su -c`, `ssh host …`). `fed`: it comes through
 * xargs or find -exec, so a one-word script (`{}`, `%`) is input filled in at run time.
 * `sh -c 'rm -rf "$1"' _ /` is also read with its arguments in place.
 */
function walkPayload(w: Walk, payload: Word, fed: boolean, positional: Word[]): void {
  const t = payload.text.trim();
  // Fail closed: the whole script is data read at run time.
  if (t === '{}' || (fed && /^\S+$/.test(t) && !/^[a-z]/.test(t))) { w.a.cmds.at(-1)!.dynamicHead ??= `the script is filled in at run time (\`${t}\`)`; return; }
  walkScript(deeper(w), payload.text);
  if (positional.length > 1 && POSITIONAL.test(payload.text)) {
    const args = positional.slice(1).map((p) => splice(p.text));
    walkScript(deeper(w), payload.text.replace(POSITIONAL_ALL, (_m, n?: string) => (n ? args[Number(n) - 1] ?? "''" : args.join(' '))));
  }
}

function handleRedirect(w: Walk, r: Node, cmd: SimpleCmd | null): void {
  const a = w.a;
  if (r.type === 'heredoc_redirect') {
    const body = r.namedChildren.find((c) => c?.type === 'heredoc_body');
    let text = body?.text ?? '';
    if (/^<<-/.test(r.text)) text = text.replace(/^\t+/gm, '');
    if (cmd) cmd.stdinText = (cmd.stdinText ?? '') + text;
    if (body) visit(w, body); // unquoted heredocs expand `$(…)` in the body
    // `cat <<EOF | sh`: the grammar puts what follows the heredoc start inside the redirect.
    for (const c of r.namedChildren) {
      if (!c || c.type.startsWith('heredoc')) continue;
      if (c.type === 'pipeline') visitStages(w, c.namedChildren.filter((x): x is Node => x !== null), cmd ? [cmd] : []);
      else visitStages(w, [c], cmd && c.type === 'command' ? [cmd] : []);
    }
    return;
  }
  if (r.type === 'herestring_redirect') {
    const x = r.namedChildren[0];
    if (x && cmd) cmd.stdinText = (cmd.stdinText ?? '') + wordOf(x).text;
    if (x) visit(w, x);
    return;
  }
  const dest = r.childForFieldName('destination');
  const target = dest ? wordOf(dest) : null;
  const op = r.children.filter((c) => c !== null && !c.isNamed).map((c) => c!.type).join('') || '>';
  // `bash < <(curl …)`: the shell's program comes from another command.
  if (cmd?.stdinProgram && op === '<' && dest?.type === 'process_substitution') {
    const producer = dest.descendantsOfType('command_name')[0];
    const name = producer ? basename(wordOf(producer.namedChildren[0] ?? producer).text) : '?';
    if (DOWNLOADERS.has(name)) cmd.execsDownload = true;
    else if (!SETUP_PRODUCERS.has(name)) cmd.programUnknown = name;
  }
  const dup = (op === '>&' || op === '<&') && target !== null && /^(\d+|-)$/.test(target.text);
  const write = !dup && op !== '<' && op !== '<&' && !(target !== null && !target.dynamic && HARMLESS_TARGETS.has(target.text));
  a.redirects.push({ op, target, write, cwd: a.cwd, remote: w.remote });
  if (dest) visit(w, dest);
}
