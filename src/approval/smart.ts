import type { Analysis, SimpleCmd } from './simple-cmd.js';
import { basename, type Word } from './words.js';

/** Returns why the arguments are not known-safe, or null when they are. */
type Check = (args: Word[]) => string | null;

const any: Check = () => null;

/** Rejects any argument equal to, or starting with (for `--long=`), one of `bad`; also catches them inside short clusters. */
function noFlags(shortBad: string, longBad: string[] = []): Check {
  return (args) => {
    for (const w of args) {
      const t = w.text;
      if (t === '--') break;
      if (t.startsWith('--')) { if (longBad.some((b) => t === b || t.startsWith(`${b}=`))) return `uses ${t}`; continue; }
      if (t.startsWith('-') && [...t.slice(1)].some((ch) => shortBad.includes(ch))) return `uses ${t}`;
    }
    return null;
  };
}

const FIND_BAD = /^-(exec|execdir|ok|okdir|delete|fprint|fprint0|fprintf|fls)$/;

/** awk programs that can run commands or write files: system(), pipes, output redirection, getline from a command. */
function awkCheck(args: Word[]): string | null {
  for (const w of args) {
    const t = w.text;
    if (/^-(f|-file|i|-include|l|-load|E|-exec)/.test(t)) return `awk ${t} loads code`;
    if (t.startsWith('-')) continue;
    if (/\bsystem\s*\(|\|\s*(getline|&)|["'\w)\]]\s*\||>|\bprintf?\b[^;]*\||\bclose\s*\(|@/.test(t)) return 'awk program may run commands or write files';
  }
  return null;
}

/** sed scripts that write or execute: -i, `w`/`W` files, the `e` command, `s///e` / `s///w`. */
function sedCheck(args: Word[]): string | null {
  for (const w of args) {
    const t = w.text;
    if (/^-[a-zA-Z]*i/.test(t) || t.startsWith('--in-place')) return 'sed edits files in place';
    if (/^-[a-zA-Z]*f$/.test(t) || t.startsWith('--file')) return 'sed loads a script file';
    if (t.startsWith('-')) continue;
    if (/(^|[;\n}{\s\d$/])[wWe](\s|$)|s(.).*\2.*\2[gpiImMe0-9]*[we]/.test(t)) return 'sed script may write files or run commands';
  }
  return null;
}

const GIT_READ = new Set(['status', 'log', 'diff', 'show', 'rev-parse', 'ls-files', 'ls-tree', 'blame', 'describe', 'shortlog', 'cat-file', 'rev-list', 'grep', 'reflog', 'whatchanged', 'merge-base', 'name-rev', 'show-ref', 'count-objects', 'version', 'help', 'var', 'check-ignore']);

function gitCheck(args: Word[]): string | null {
  let i = 0;
  while (i < args.length && args[i]!.text.startsWith('-')) {
    const t = args[i]!.text;
    // -c can set core.pager / alias to run arbitrary commands; --exec-path swaps git's helpers.
    if (t === '-c' || t.startsWith('--exec-path') || t === '--config-env' || t.startsWith('--config-env=')) return `git ${t} can run arbitrary commands`;
    i += t === '-C' || t === '--git-dir' || t === '--work-tree' || t === '--namespace' ? 2 : 1;
  }
  const sub = args[i]?.text ?? '';
  const rest = args.slice(i + 1).map((w) => w.text);
  if (rest.some((t) => t.startsWith('--output') || t.startsWith('--ext-diff') || t === '--textconv' || t.startsWith('--exec'))) return `git ${sub} option may write files or run helpers`;
  if (GIT_READ.has(sub)) {
    if (sub === 'reflog' && rest[0] !== undefined && rest[0] !== 'show' && !rest[0].startsWith('-')) return `git reflog ${rest[0]} changes the reflog`;
    return null;
  }
  if (sub === 'branch') return rest.every((t) => /^(-a|-r|-v|-vv|--all|--remotes|--list|--show-current|--contains|--merged|--no-merged|--verbose|-l)$/.test(t)) ? null : 'git branch may create or delete branches';
  if (sub === 'remote') return rest.length === 0 || (rest.length === 1 && (rest[0] === '-v' || rest[0] === '--verbose')) || (rest[0] === 'get-url') ? null : 'git remote may change remotes';
  if (sub === 'tag') return rest.length === 0 || rest.every((t) => t === '-l' || t === '--list' || t.startsWith('-n')) ? null : 'git tag may create or delete tags';
  if (sub === 'stash') return rest[0] === 'list' || rest[0] === 'show' ? null : 'git stash changes the working tree';
  if (sub === 'config') return rest.some((t) => t === '--get' || t === '--list' || t === '-l' || t === '--get-all' || t === '--get-regexp') ? null : 'git config may change configuration';
  return `git ${sub || '(no subcommand)'} is not a read-only git command`;
}

/**
 * Read-only commands smart mode runs without asking, each with its argument check. `anyArg`
 * commands accept values they cannot see (variables, globs): no argument can make them write or
 * execute. The rest need every argument literal, since a `$VAR` or a file named `-delete` can
 * become a flag.
 */
const SAFE: ReadonlyMap<string, { check: Check; anyArg?: boolean }> = new Map<string, { check: Check; anyArg?: boolean }>([
  ...['ls', 'cat', 'head', 'tail', 'wc', 'echo', 'printf', 'pwd', 'whoami', 'id', 'groups', 'uname', 'which', 'type', 'stat', 'du', 'df', 'free',
    'uptime', 'printenv', 'grep', 'egrep', 'fgrep', 'cut', 'tr', 'diff', 'cmp', 'comm', 'basename', 'dirname', 'realpath', 'readlink',
    'true', 'false', 'test', '[', 'seq', 'rev', 'nl', 'paste', 'fold', 'expand', 'unexpand', 'md5sum', 'sha1sum', 'sha256sum', 'sha512sum',
    'b2sum', 'cksum', 'nproc', 'arch', 'tty', 'locale', 'cd', 'ps', 'pgrep', 'column', 'strings', 'od', 'hexdump', 'jq', 'zcat', 'lsblk',
    'getconf', 'tac', 'numfmt', 'sleep', 'lscpu', 'who', 'w', 'last', 'env']
    .map((n): [string, { check: Check; anyArg?: boolean }] => [n, { check: any, anyArg: true }]),
  ['date', { check: noFlags('s', ['--set']) }],
  ['hostname', { check: (args) => (args.every((w) => w.text.startsWith('-') && !/^-(F|b|-file|-boot)/.test(w.text)) ? null : 'hostname with an operand sets the hostname') }],
  ['file', { check: noFlags('C', ['--compile']) }],
  ['rg', { check: noFlags('', ['--pre', '--search-zip', '--hostname-bin']) }],
  ['find', { check: (args) => { const b = args.find((w) => FIND_BAD.test(w.text)); return b ? `find ${b.text} runs commands or writes files` : null; } }],
  ['fd', { check: noFlags('xX', ['--exec', '--exec-batch']) }],
  ['sort', { check: noFlags('o', ['--output', '--compress-program']) }],
  ['uniq', { check: (args) => (args.filter((w) => !w.text.startsWith('-')).length > 1 ? 'uniq with two operands writes the second' : null) }],
  ['tree', { check: noFlags('o', ['--output']) }],
  ['yq', { check: noFlags('i', ['--inplace']) }],
  ['awk', { check: awkCheck }], ['gawk', { check: awkCheck }], ['mawk', { check: awkCheck }],
  ['sed', { check: sedCheck }],
  ['git', { check: gitCheck }],
  ['command', { check: (args) => (args.some((w) => /^-[pvV]*[vV]/.test(w.text)) ? null : 'runs another command') }],
]);

/** Why `c` needs approval in smart mode, or null when it is a known read-only command with safe arguments. */
function commandReason(c: SimpleCmd): string | null {
  if (c.runsScript) return `\`${c.wrappers.join(' ')}\` runs a script`;
  const w = c.wrappers.find((x) => x === 'xargs' || x === 'sudo' || x === 'doas' || x === 'run0' || x === 'exec');
  if (w) return `\`${w}\` runs another command`;
  const head = c.argv[0];
  if (!head) return null; // only redirections / assignments; judged on their own
  const label = head.text.length > 40 ? `${head.text.slice(0, 40)}…` : head.text;
  if (head.dynamic) return `the command name \`${label}\` is computed at run time`;
  const name = head.text.includes('/') ? null : head.text; // `./ls` or `/tmp/ls` is not the system ls
  const rule = name !== null ? SAFE.get(name) : undefined;
  if (!rule) return `\`${basename(label)}\` is not a known read-only command`;
  const args = c.argv.slice(1);
  if (!rule.anyArg && args.some((a) => a.dynamic)) return `\`${name}\` has an argument only known at run time`;
  const why = rule.check(args);
  return why ? `\`${name}\`: ${why}` : null;
}

/** Why the script needs approval at security level "allowlist", or null when every command in it is allowlisted. */
export function allowlistReason(a: Analysis, allowlisted: (c: SimpleCmd) => boolean): string | null {
  if (a.issues.length > 0) return `the command ${a.issues[0]}`;
  const w = a.redirects.find((r) => r.write);
  if (w) return `redirection \`${w.op} ${w.target?.text ?? ''}\` writes a file`;
  const c = a.cmds.find((x) => (x.argv.length > 0 || x.runsScript) && !allowlisted(x));
  return c ? `\`${c.argv.map((x) => x.text).join(' ') || c.wrappers.join(' ')}\` is not on the allowlist` : null;
}

/** Why the script needs approval in smart mode, or null when every part of it is read-only. */
export function smartReason(a: Analysis, allowlisted: (c: SimpleCmd) => boolean = () => false): string | null {
  if (a.issues.length > 0) return `the command ${a.issues[0]}`;
  const w = a.redirects.find((r) => r.write);
  if (w) return `redirection \`${w.op} ${w.target?.text ?? ''}\` writes a file`;
  for (const c of a.cmds) { const r = allowlisted(c) ? null : commandReason(c); if (r) return r; }
  return null;
}
