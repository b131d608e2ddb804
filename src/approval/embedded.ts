import type { Word } from './words.js';

/**
 * Shell commands embedded in other commands' arguments, by command: `git -c alias.x='!cmd'`,
 * sed's `e` command, `tar --checkpoint-action=exec=cmd`, `parallel cmd ::: args`, `alias
 * x='cmd'`, `rsync -e cmd`, `zip -TT cmd`. The walker parses each script like a typed command.
 */
export interface Embedded {
  scripts: string[];
  /** Something runs whose text is computed at run time (sed's bare `e`, `s///e` with `&`). */
  unknown: string | null;
  /** The command reads command lines from stdin (`parallel` with no command and no `:::`). */
  readsCommands: boolean;
}

/** git config keys whose value is a command line. */
const GIT_COMMAND_KEYS = /^(core\.(pager|sshcommand|editor|fsmonitor|askpass)|sequence\.editor|diff\.external|pager\..+|gpg\.program|gpg\.\w+\.program|uploadpack\.packobjectshook|credential\.helper|diff\..+\.(textconv|command)|filter\..+\.(clean|smudge|process)|merge\..+\.driver)$/i;

function quote(s: string): string { return `'${s.replace(/'/g, `'\\''`)}'`; }

function git(args: Word[], out: Embedded): void {
  for (let i = 0; i < args.length && args[i]!.text.startsWith('-'); i++) {
    if (args[i]!.text !== '-c') continue;
    const kv = args[++i]?.text ?? '';
    const eq = kv.indexOf('=');
    if (eq < 0) continue;
    const key = kv.slice(0, eq);
    const value = kv.slice(eq + 1);
    if (/^alias\./i.test(key)) { if (value.startsWith('!')) out.scripts.push(value.slice(1)); }
    else if (GIT_COMMAND_KEYS.test(key)) out.scripts.push(value.replace(/^!/, ''));
  }
}

/** Splits `s<d>pat<d>repl<d>flags` on unescaped delimiters. */
function sedSubstitute(cmd: string): { pat: string; repl: string; flags: string } | null {
  const d = cmd[1];
  if (d === undefined || /[\s\\\n]/.test(d)) return null;
  const parts: string[] = [];
  let cur = '';
  for (let i = 2; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === '\\' && i + 1 < cmd.length) { const n = cmd[++i]!; cur += n === d ? n : `\\${n}`; continue; }
    if (c === d && parts.length < 2) { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  if (parts.length < 2) return null;
  return { pat: parts[0]!, repl: parts[1]!, flags: cur.split(/[;\n}]/)[0] ?? '' };
}

function sed(args: Word[], out: Embedded): void {
  const scripts: string[] = [];
  let positional = true;
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!.text;
    if (t === '-e' || t === '--expression') { scripts.push(args[++i]?.text ?? ''); positional = false; continue; }
    if (t.startsWith('--expression=')) { scripts.push(t.slice(13)); positional = false; continue; }
    if (t.startsWith('-')) continue;
    if (positional) { scripts.push(t); positional = false; }
  }
  for (const s of scripts) {
    for (const line of s.split(/\n|;(?![^{]*\})/)) {
      const l = line.trim().replace(/^(\d+|\$|\/[^/]*\/)(,(\d+|\$|\/[^/]*\/))?\s*!?\s*/, '');
      if (/^e(\s|$)/.test(l)) {
        const cmd = l.slice(1).trim();
        if (cmd) out.scripts.push(cmd); else out.unknown ??= 'sed `e` runs the pattern space as a command';
      } else if (l.startsWith('s')) {
        const sub = sedSubstitute(l);
        if (!sub || !sub.flags.includes('e')) continue;
        // Fail closed: unless the whole line is replaced by literal text, `s///e` runs text taken from the input.
        if (!/^\^?\.\*\$?$/.test(sub.pat) || /(^|[^\\])(&|\\\d)/.test(sub.repl)) out.unknown ??= 'sed `s///e` runs text from its input';
        else out.scripts.push(sub.repl.replace(/\\n/g, '\n'));
      }
    }
  }
}

/** Values of options that name a command: `--to-command=CMD`, `-I CMD`, `--checkpoint-action=exec=CMD`. */
function optionCommands(args: Word[], long: readonly string[], short: string, out: Embedded): void {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!.text;
    const name = long.find((l) => t === l || t.startsWith(`${l}=`));
    let v: string | null = null;
    if (name) v = t === name ? args[++i]?.text ?? '' : t.slice(name.length + 1);
    else if (short && t.length === 2 && t[0] === '-' && short.includes(t[1]!)) v = args[++i]?.text ?? '';
    // `--checkpoint-action` runs a command only in its `exec=` form.
    if (v === null || (name === '--checkpoint-action' && !v.startsWith('exec='))) continue;
    out.scripts.push(v.replace(/^exec=/, ''));
  }
}

function parallel(args: Word[], out: Embedded): void {
  let i = 0;
  while (i < args.length && args[i]!.text.startsWith('-') && !args[i]!.text.startsWith(':::')) {
    const t = args[i]!.text;
    i += /^-[jSIaNLEn]$/.test(t) || ['--jobs', '--sshlogin', '--arg-file', '--max-args', '--delimiter', '--colsep', '--tmpdir', '--results', '--joblog'].includes(t) ? 2 : 1;
  }
  const rest = args.slice(i);
  const sep = rest.findIndex((w) => /^:::+\+?$/.test(w.text));
  const cmd = sep < 0 ? rest : rest.slice(0, sep);
  const values = sep < 0 ? [] : rest.slice(sep + 1).filter((w) => !/^:::+\+?$/.test(w.text)).slice(0, 8);
  if (cmd.length === 0) {
    if (sep < 0) out.readsCommands = true;
    for (const v of values) out.scripts.push(v.text);
    return;
  }
  const text = cmd.map((w) => (w.node ? w.node.text : w.text)).join(' ');
  for (const v of values) out.scripts.push(text.includes('{}') ? text.replaceAll('{}', quote(v.text)) : `${text} ${quote(v.text)}`);
}

/** Scripts embedded in the arguments of `key`. */
export function embeddedScripts(key: string, args: Word[]): Embedded {
  const out: Embedded = { scripts: [], unknown: null, readsCommands: false };
  switch (key) {
    case 'git': git(args, out); break;
    case 'sed': case 'gsed': sed(args, out); break;
    case 'tar': case 'gtar': case 'bsdtar':
      optionCommands(args, ['--checkpoint-action', '--to-command', '--use-compress-program', '--info-script', '--new-volume-script', '--rsh-command'], 'IF', out);
      break;
    case 'rsync': optionCommands(args, ['--rsh', '--rsync-path'], 'e', out); break;
    case 'zip': optionCommands(args, ['--unzip-command'], '', out); if (args.some((w) => w.text === '-TT')) optionCommands(args, ['-TT'], '', out); break;
    case 'parallel': parallel(args, out); break;
    case 'alias': for (const w of args) { const eq = w.text.indexOf('='); if (eq > 0) out.scripts.push(w.text.slice(eq + 1)); } break;
    default: break;
  }
  return out;
}
