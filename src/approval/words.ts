import type { Node } from './tree.js';

/**
 * One shell word after quote removal. `dynamic` means the shell decides its final value at run
 * time (a `$VAR`, `$(…)`, unquoted glob or brace expansion): its text keeps the source of the
 * expansion as a marker, and classification must treat the value as unknown.
 */
export interface Word { text: string; dynamic: boolean; node: Node | null }

/** Words whose node contains a command or process substitution running one of these fetch remote code. */
export const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'aria2c', 'http', 'https', 'xh']);

/** A literal word made up by unwrapping (e.g. the command `xargs` runs by default). */
export function literal(text: string): Word { return { text, dynamic: false, node: null }; }

const UNQUOTED_GLOB = /(?<!\\)[*?[]/;
const BRACE_EXPANSION = /(?<!\\)\{[^{}]*(,|\.\.)[^{}]*\}/;

function unescapeUnquoted(s: string): string { return s.includes('\\') ? s.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1') : s; }
function unescapeDouble(s: string): string { return s.includes('\\') ? s.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1') : s; }

function decodeAnsiC(body: string): string {
  const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/gs, (_m, esc: string) => {
    if (esc.startsWith('x') && esc.length > 1) return String.fromCharCode(parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
    return map[esc] ?? `\\${esc}`;
  });
}

/** `${HOME}` and `$HOME` are the same thing to the floor. */
function expansionMarker(n: Node): string {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(n.text);
  return m ? `$${m[1]}` : n.text;
}

/** Quote removal for one argument node; anything not understood is kept verbatim and marked dynamic. */
export function wordOf(n: Node): Word {
  switch (n.type) {
    case 'word': {
      const raw = n.text;
      // Unquoted globs and brace lists expand to names the author did not write (files named `-rf`…).
      const dynamic = UNQUOTED_GLOB.test(raw) || BRACE_EXPANSION.test(raw);
      return { text: unescapeUnquoted(raw), dynamic, node: n };
    }
    case 'number': case 'variable_name': case 'file_descriptor': case 'test_operator':
      return { text: n.text, dynamic: false, node: n };
    case 'raw_string':
      return { text: n.text.slice(1, -1), dynamic: false, node: n };
    case 'ansi_c_string':
      return { text: decodeAnsiC(n.text.slice(2, -1)), dynamic: false, node: n };
    case 'string': case 'translated_string': {
      const src = n.text;
      const base = n.startIndex;
      const open = n.type === 'translated_string' ? 2 : 1;
      let text = '';
      let dynamic = false;
      let pos = base + open;
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.startIndex > pos) text += unescapeDouble(src.slice(pos - base, c.startIndex - base));
        if (c.type === 'string_content') text += unescapeDouble(c.text);
        else { dynamic = true; text += expansionMarker(c); }
        pos = c.endIndex;
      }
      const end = base + src.length - 1;
      if (end > pos) text += unescapeDouble(src.slice(pos - base, end - base));
      return { text, dynamic, node: n };
    }
    case 'concatenation': {
      let text = '';
      let dynamic = false;
      for (const c of n.namedChildren) {
        if (!c) continue;
        const w = wordOf(c);
        text += w.text;
        dynamic ||= w.dynamic;
      }
      // A brace list split across concatenation parts, e.g. `{/,x}`.
      if (BRACE_EXPANSION.test(n.text)) dynamic = true;
      return { text, dynamic, node: n };
    }
    case 'simple_expansion': case 'expansion':
      return { text: expansionMarker(n), dynamic: true, node: n };
    default:
      return { text: n.text, dynamic: true, node: n };
  }
}

/** Does this word run a downloader inside `$(…)`, backticks or `<(…)`? (Remote code executed by its consumer.) */
export function runsDownloader(w: Word): boolean {
  const n = w.node;
  if (!n || !w.dynamic) return false; // a literal word holds no substitution
  const subs = n.type === 'command_substitution' || n.type === 'process_substitution' ? [n] : n.descendantsOfType(['command_substitution', 'process_substitution']);
  for (const s of subs) {
    if (!s) continue;
    for (const c of s.descendantsOfType(['command_name', 'word'])) {
      if (c && DOWNLOADERS.has(basename(wordOf(c).text))) return true;
    }
  }
  return false;
}

/** Last path component: `/usr/bin/rm` and `rm` are the same command. */
export function basename(s: string): string {
  const i = s.lastIndexOf('/');
  return i >= 0 && i < s.length - 1 ? s.slice(i + 1) : s;
}

/**
 * Splits arguments into flags and operands. Combined short flags are expanded (`-rf` → r, f);
 * long flags are mapped to their short letter through `long` where the command has one, else kept
 * as `--name`. Flags in `withValue` consume the next word. `--` ends options.
 */
export function parseFlags(args: readonly Word[], long: Readonly<Record<string, string>> = {}, withValue: ReadonlySet<string> = new Set()): { flags: Set<string>; values: Map<string, string>; operands: Word[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const operands: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const t = w.text;
    if (t === '--') { operands.push(...args.slice(i + 1)); break; }
    if (t.startsWith('--') && t.length > 2) {
      const eq = t.indexOf('=');
      const name = eq >= 0 ? t.slice(0, eq) : t;
      const key = long[name] ?? name;
      flags.add(key);
      if (eq >= 0) values.set(key, t.slice(eq + 1));
      else if (withValue.has(key) && i + 1 < args.length) values.set(key, args[++i]!.text);
      continue;
    }
    if (t.startsWith('-') && t.length > 1 && !/^-\d+$/.test(t)) {
      for (let j = 1; j < t.length; j++) {
        const f = t[j]!;
        flags.add(f);
        if (withValue.has(f)) {
          const rest = t.slice(j + 1);
          if (rest) values.set(f, rest);
          else if (i + 1 < args.length) values.set(f, args[++i]!.text);
          break;
        }
      }
      continue;
    }
    operands.push(w);
  }
  return { flags, values, operands };
}

/** Names that are the same program to the floor. */
const KEY_ALIASES: ReadonlyMap<string, string> = new Map([
  ['nodejs', 'node'], ['pypy', 'python'], ['pypy3', 'python'], ['mongo', 'mongosh'], ['valkey-cli', 'redis-cli'], ['keydb-cli', 'redis-cli'],
  ['gawk', 'awk'], ['mawk', 'awk'], ['nawk', 'awk'], ['busybox-awk', 'awk'], ['podman', 'docker'], ['nerdctl', 'docker'],
  ['podman-compose', 'docker-compose'], ['oc', 'kubectl'], ['mkfs', 'mkfs'], ['mke2fs', 'mkfs'], ['mkswap', 'mkfs'], ['newfs', 'mkfs'],
  ['mariadb', 'mysql'], ['gsed', 'sed'], ['pkill', 'pkill'], ['sqlite', 'sqlite3'],
]);

/** The floor's name for a command: basename, version suffixes dropped (`python3.11` → `python`, `mkfs.ext4` → `mkfs`). */
export function commandKey(name: string): string {
  const b = basename(name);
  if (b.startsWith('mkfs.') || b.startsWith('mke2fs') || b.startsWith('newfs_')) return 'mkfs';
  const m = /^(python|perl|ruby|php|lua|node)[0-9.]*$/.exec(b);
  if (m) return m[1]!;
  return KEY_ALIASES.get(b) ?? b;
}
