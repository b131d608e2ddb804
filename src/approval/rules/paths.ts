import { posix } from 'node:path';
import type { SimpleCmd } from '../simple-cmd.js';
import { basename, literal, type Word } from '../words.js';
import type { Scope } from './meta.js';

/** Block and memory devices: writing one destroys a disk or the running system. */
export const DEVICE = /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|mapper\/|dm-|md|loop|sr|mem$|kmem$|port$)/;

/** Directories whose direct children are system data too (`/var/lib/postgresql`, `/usr/lib/x86_64-linux-gnu`). */
const SYSTEM_DIRS_2 = ['/var/lib', '/var/db', '/var/spool', '/usr/lib', '/usr/lib64', '/usr/bin', '/usr/sbin', '/usr/share', '/usr/local', '/usr/include', '/etc', '/boot', '/lib', '/System/Library', '/Library/Application Support'];
const SYSTEM_DIRS = ['/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/root', '/sbin', '/srv', '/usr', '/var', '/sys', '/proc', '/System', '/Library', '/Applications', '/Users', '/private', '/snap', '/nix', '/mnt', '/media'];
const HOME_ROOT = /^(~[A-Za-z0-9_.-]*|\/root|\/home\/[^/]+|\/Users\/[^/]+)(?=\/|$)/;
// The working tree, and its repository's history (`.git`).
const WORKSPACE = /^(\.\/)?\.git(\/(objects|refs)(\/.*)?)?$|^(\.\.?(\/\.\.?)*)(\/(\*+|\.\*|\.\[!\.\]\*|\.\[\^\.\]\*|\.\?\*))?$|^(\*+|\.\*|\.\[!\.\]\*|\.\[\^\.\]\*|\.\?\*)$|^\/workspace(\/\*)?$/;

/** A path as the floor compares it: `//etc/./` → `/etc`, `${HOME}/` → `~`, `$PWD/x` → `x`; relative paths under the script's `cd`. */
export function canonicalTarget(t: string, cwd = ''): string {
  let s = t.replace(/^\$(HOME|\{HOME(:?[-?=][^}]*)?\})(?=\/|$)/, '~').replace(/^\$(PWD|\{PWD(:?[-?=][^}]*)?\})(?=\/|$)/, '.');
  if (!s.startsWith('/') && !s.startsWith('~') && cwd !== '' && cwd !== '?') s = `${cwd.replace(/^\$HOME/, '~')}/${s}`;
  const m = /^(~[A-Za-z0-9_.-]*)(\/.*)?$/.exec(s);
  if (m) {
    const rest = m[2] ? posix.normalize(m[2]).replace(/\/+$/, '') : '';
    return rest === '' || rest === '/.' ? m[1]! : `${m[1]}${rest}`;
  }
  s = posix.normalize(s);
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}

/** One level of brace expansion (`{/,x}` → `/`, `x`), so a brace list cannot hide a protected target. */
function expandBraces(text: string): string[] {
  const m = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/s.exec(text);
  return m ? m[2]!.split(',').map((part) => `${m[1]}${part}${m[3]}`) : [text];
}

/**
 * The texts a word may become: itself, its brace alternatives, and — the Steam bug — the value
 * with unset variables empty (`"$DIR/"` → `/`). `${X:?}` never expands to empty; `${X:-d}` is `d`.
 */
export function alternatives(w: Word, assigned: ReadonlyMap<string, unknown> = new Map()): string[] {
  const out = expandBraces(w.text);
  if (w.dynamic) {
    // Names the script assigns are read through their values (the walker re-checks those).
    // Unset, or set to something computed (`read dir` with no input leaves it empty).
    const unset = (name: string) => name !== 'HOME' && name !== 'PWD' && (!assigned.has(name) || assigned.get(name) === null);
    const emptied = w.text.replace(/\$\{(\w+)(:?[-=])([^}]*)\}/g, (m, name: string, _op, def: string) => (unset(name) ? def : m))
      .replace(/\$\{(\w+)\}|\$([A-Za-z_]\w*|[0-9])/g, (m, a?: string, b?: string) => (unset((a ?? b)!) ? '' : m)).replace(/\$[@*#]/g, '');
    if (emptied !== w.text && emptied !== '' && !/\$\{\w+:?\?/.test(w.text)) out.push(...expandBraces(emptied));
    // A value the script computes (`for d in $(ls /)`) may be any name: `/$d` is any top-level directory.
    const wild = w.text.replace(/\$\{(\w+)\}|\$([A-Za-z_]\w*)/g, (m, a?: string, b?: string) => (assigned.get((a ?? b)!) === null ? '*' : m));
    if (wild !== w.text && /\/\*/.test(wild)) out.push(wild);
  }
  return out;
}

export type TargetClass = 'root' | 'system' | 'home' | 'workspace' | null;
const RANK: Record<NonNullable<TargetClass>, number> = { root: 4, system: 3, home: 2, workspace: 1 };

/** `c` is directory `d`, everything in it, or one entry right under it. */
function under(c: string, d: string): boolean { return c === d || c === `${d}/*` || (c.startsWith(`${d}/`) && !c.slice(d.length + 1).includes('/')); }

function classOf(t: string, cwd: string): TargetClass {
  const c = canonicalTarget(t, cwd);
  if (c === '') return null;
  if (c === '/' || c === '/*' || c === '/.*') return 'root';
  const h = HOME_ROOT.exec(c);
  if (h && (c === h[0] || c === `${h[0]}/*` || c === `${h[0]}/.*`)) return 'home';
  if (c === '/home/*' || c === '/Users/*') return 'home';
  if (WORKSPACE.test(c) || (cwd === '?' && !c.startsWith('/') && !c.startsWith('~') && /^[*.]/.test(c))) return 'workspace';
  if (SYSTEM_DIRS.some((d) => under(c, d)) || SYSTEM_DIRS_2.some((d) => under(c, d))) return 'system';
  // `/???`, `/b*`: a pattern right under / can match system directories.
  if (/^\/[^/]*[*?[][^/]*$/.test(c)) return 'system';
  return null;
}

/** The most protected class any alternative of `w` falls in. */
export function classifyTarget(w: Word, cwd: string, assigned?: ReadonlyMap<string, unknown>): TargetClass {
  let best: TargetClass = null;
  for (const t of alternatives(w, assigned)) { const k = classOf(t, cwd); if (k && (!best || RANK[k] > RANK[best])) best = k; }
  return best;
}

/** Where a delete of that class lands: `/` and the working tree reach the workspace even inside a sandbox. */
export function targetScope(k: TargetClass): Scope { return k === 'root' || k === 'workspace' ? 'workspace' : 'host'; }

const RC_FILES = /^(\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin|zlogout|kshrc|mkshrc|cshrc|tcshrc|xinitrc|xprofile|xsession|gitconfig)|\.config\/fish\/(config\.fish|conf\.d\/.*)|\.config\/autostart(\/.*)?|Library\/LaunchAgents(\/.*)?)$/;
/** Login keys and ssh settings (a backup copy next to them is not one). */
const SSH_FILES = /^\.ssh(\/(authorized_keys\w*|config|id_[^/]*|known_hosts|rc|environment))?$/;
const SYSTEM_FILES = /^\/(etc|boot|bin|sbin|lib|lib32|lib64|libx32|sys|System)(\/|$)|^\/usr\/(?!local(\/|$))|^\/proc\/(sys\/|sysrq-trigger$)|^\/var\/spool\/cron(\/|$)|^\/Library\/Launch(Agents|Daemons)(\/|$)/;

/** Why a path is a critical file (system configuration, login keys, shell startup), or null. */
export function criticalFile(w: Word, cwd: string, assigned?: ReadonlyMap<string, unknown>): string | null {
  for (const t of alternatives(w, assigned)) {
    const c = canonicalTarget(t, cwd);
    if (SYSTEM_FILES.test(c)) return c;
    const h = HOME_ROOT.exec(c);
    if (h) {
      const rest = c.slice(h[0].length + 1);
      if (SSH_FILES.test(rest) || rest === '.gnupg' || rest.startsWith('.gnupg/') || RC_FILES.test(rest)) return c;
    }
  }
  return null;
}

/**
 * Operands `xargs` adds from its producer: the words of `echo`/`printf`, `ls`'s operands (or
 * `*`), and for `find START …` the start directory with whether find filtered anything.
 */
export function fedOperands(c: SimpleCmd, producerText: (f: readonly SimpleCmd[]) => string | null): { words: Word[]; find: { starts: Word[]; filtered: boolean } | null } {
  if (!c.wrappers.includes('xargs') || c.feeder.length !== 1) return { words: [], find: null };
  const p = c.feeder[0]!;
  const name = basename(p.argv[0]?.text ?? '');
  if (name === 'ls') { const ops = p.argv.slice(1).filter((w) => !w.text.startsWith('-')); return { words: ops.length > 0 ? ops : [literal('*')], find: null }; }
  if (name === 'find') return { words: [], find: findStart(p.argv.slice(1)) };
  const text = producerText(c.feeder);
  return { words: text === null ? [] : text.split(/\s+/).filter(Boolean).map(literal), find: null };
}

/** find's predicates that narrow what it matches (a bare `-type f` still matches everything). */
const FIND_FILTERS = /^-(i?name|i?path|i?wholename|i?regex|mtime|mmin|atime|amin|ctime|cmin|newer\w*|size|empty|perm|user|group|uid|gid|nouser|nogroup|links|inum|samefile|lname|ilname|used|context|prune)$/;

/** find's start directories (default `.`) and whether a predicate narrows the match. */
export function findStart(args: Word[]): { starts: Word[]; filtered: boolean } {
  let i = 0;
  while (i < args.length && /^-(H|L|P|O\d*)$/.test(args[i]!.text)) i++;
  const starts: Word[] = [];
  while (i < args.length && !/^[-(!]|^\\[()]$/.test(args[i]!.text)) starts.push(args[i++]!);
  return { starts: starts.length > 0 ? starts : [literal('.')], filtered: args.some((w) => FIND_FILTERS.test(w.text)) };
}
