import type { Node } from './tree.js';
import { basename, wordOf, type Word } from './words.js';

/**
 * What a script tells us about its own variables, so `c=rm; $c -rf /`, `for x in /; do rm -rf
 * $x; done` and `rm${IFS}-rf${IFS}/` can be read as the commands they run. A name maps to the
 * literal values the script gives it, or null when some value is computed (read, $(…), arrays).
 */
export interface VarState { vars: Map<string, string[] | null>; ifsAssigned: boolean; aliases: Map<string, string> }

/** Past this many values for one name (or combinations for one command) we stop guessing. */
const MAX_VALUES = 8;
/** A value spliced back into shell text must not carry quoting or expansion of its own. */
const SPLICEABLE = /^[^"'`$\\\n]*$/;
const REPLACEABLE = new Set(['simple_expansion', 'expansion', 'command_substitution']);
const MAY_ASSIGN = /[A-Za-z0-9_]=|\b(for|select|read|mapfile|readarray|getopts|alias)\b/;
const READERS = new Set(['read', 'mapfile', 'readarray', 'getopts']);

function add(s: VarState, name: string, values: string[] | null): void {
  if (name === 'IFS') s.ifsAssigned = true;
  const cur = s.vars.get(name);
  if (cur === null) return;
  if (values === null || values.some((v) => !SPLICEABLE.test(v))) { s.vars.set(name, null); return; }
  const merged = [...new Set([...(cur ?? []), ...values])];
  s.vars.set(name, merged.length > MAX_VALUES ? null : merged);
}

/** Records every assignment, loop variable and `read` target in the tree. */
export function collectVars(root: Node, s: VarState): void {
  // Cheap pre-check: most command lines assign nothing.
  if (!MAY_ASSIGN.test(root.text)) return;
  for (const n of root.descendantsOfType(['variable_assignment', 'for_statement', 'command'])) {
    if (!n) continue;
    if (n.type === 'variable_assignment') {
      const name = n.childForFieldName('name')?.text ?? '';
      const value = n.childForFieldName('value');
      add(s, name, value === null ? [''] : value.type === 'array' ? null : valueOf(value, s));
    } else if (n.type === 'for_statement') {
      const name = n.childForFieldName('variable')?.text ?? '';
      const values = n.childrenForFieldName('value').filter((v): v is Node => v !== null);
      // `for x; do` iterates over the positional parameters: unknown.
      const all = values.length === 0 ? null : values.map((v) => valueOf(v, s) ?? (wordOf(v).dynamic ? null : [wordOf(v).text]));
      add(s, name, all === null || all.some((v) => v === null) ? null : all.flat() as string[]);
    } else {
      const head = n.childForFieldName('name');
      // `alias c='rm -rf'; c /`: remember what the name stands for.
      if (head?.text === 'alias') for (const a of n.childrenForFieldName('argument')) { const t = a ? wordOf(a).text : ''; const eq = t.indexOf('='); if (eq > 0) s.aliases.set(t.slice(0, eq), t.slice(eq + 1)); }
      if (!head || !READERS.has(basename(head.text))) continue;
      for (const a of n.childrenForFieldName('argument')) if (a && /^[A-Za-z_]\w*$/.test(a.text)) add(s, a.text, null);
    }
  }
}

/** The output of a substitution we can compute without running anything (`$(echo rm)`, `$(which rm)`). */
function staticSubstitution(n: Node): string | null {
  const inner = n.namedChildren.filter((c): c is Node => c !== null);
  if (inner.length !== 1 || inner[0]!.type !== 'command') return null;
  const words = inner[0]!.namedChildren.filter((c): c is Node => c !== null).map((c) => wordOf(c.type === 'command_name' ? c.namedChildren[0] ?? c : c));
  if (words.some((w) => w.dynamic)) return null;
  const [name, ...args] = words.map((w) => w.text);
  let out: string | null = null;
  switch (basename(name ?? '')) {
    case 'echo': { const i = args.findIndex((a) => !/^-[neE]+$/.test(a)); out = i < 0 ? '' : args.slice(i).join(' '); break; }
    case 'printf': {
      const [fmt = '', ...rest] = args;
      const specs = fmt.match(/%./g) ?? [];
      if (specs.some((x) => x !== '%s' && x !== '%b')) return null;
      let k = 0;
      out = fmt.replace(/%[sb]/g, () => rest[k++] ?? '').replace(/\\n/g, '\n');
      break;
    }
    case 'which': case 'command': case 'type': out = args.filter((a) => !a.startsWith('-')).at(-1) ?? null; break;
    case 'mktemp': out = '/tmp/tmp.mktemp'; break;
    case 'pwd': out = '.'; break;
    default: return null;
  }
  out = out?.replace(/\n+$/, '') ?? null;
  return out !== null && SPLICEABLE.test(out) ? out : null;
}

/** Values of one expansion (`$x`, `${x}`, `${x:-default}`, `$IFS`), or null when unknown. */
function expansionValues(n: Node, s: VarState): string[] | null {
  if (n.type === 'command_substitution') { const v = staticSubstitution(n); return v === null ? null : [v]; }
  const m = n.type === 'simple_expansion' ? /^\$([A-Za-z_]\w*)$/.exec(n.text) : /^\$\{([A-Za-z_]\w*)(?:(:?[-=?])(.*))?\}$/s.exec(n.text);
  if (!m) return null;
  const [, name, op, rest] = m;
  if (name === 'IFS' && !s.ifsAssigned) return [' '];
  // With IFS changed, any unquoted expansion may split anywhere: unknown.
  if (s.ifsAssigned) return null;
  const known = s.vars.get(name!);
  if (op !== undefined && (op.endsWith('-') || op.endsWith('='))) {
    // `${x:-default}`: unset (here: never assigned by the script) means the default.
    if (known === undefined) return rest !== undefined && SPLICEABLE.test(rest) ? [rest] : null;
  }
  return known ?? null;
}

/** Values of a word as the shell would see them after expansion (used for assignments and loops). */
export function valueOf(n: Node, s: VarState): string[] | null {
  const w = wordOf(n);
  if (!w.dynamic) return [w.text];
  if (REPLACEABLE.has(n.type)) return expansionValues(n, s);
  if (n.type === 'string' || n.type === 'concatenation') {
    let acc = [''];
    for (const c of n.namedChildren) {
      if (!c) continue;
      const part = c.type === 'string_content' ? [c.text] : c.type === 'word' || c.type === 'raw_string' ? [wordOf(c).text] : valueOf(c, s);
      if (part === null) return null;
      acc = acc.flatMap((a) => part.map((p) => a + p));
      if (acc.length > MAX_VALUES) return null;
    }
    return acc;
  }
  return null;
}

/**
 * Shell source of `n` with known expansions spliced in, one string per combination of values.
 * `strict`: any unknown expansion makes the result null; otherwise unknown ones stay as written.
 */
export function renderSource(n: Node, s: VarState, strict: boolean): string[] | null {
  const spots: Node[] = [];
  const find = (x: Node) => { for (const c of x.namedChildren) if (c) { if (REPLACEABLE.has(c.type)) spots.push(c); else find(c); } };
  if (REPLACEABLE.has(n.type)) spots.push(n); else find(n);
  let out = [''];
  let pos = n.startIndex;
  const src = n.text;
  for (const sp of spots) {
    const vals = expansionValues(sp, s);
    if (vals === null && strict) return null;
    const before = src.slice(pos - n.startIndex, sp.startIndex - n.startIndex);
    const alts = vals ?? [sp.text];
    out = out.flatMap((o) => alts.map((v) => o + before + v));
    if (out.length > MAX_VALUES) return null;
    pos = sp.endIndex;
  }
  return out.map((o) => o + src.slice(pos - n.startIndex));
}

/** True when `n` contains an expansion this module can resolve (a script variable, IFS, a static substitution). */
export function hasKnownExpansion(n: Node, s: VarState): boolean {
  const spots = REPLACEABLE.has(n.type) ? [n] : n.descendantsOfType([...REPLACEABLE]);
  return spots.some((x) => x !== null && expansionValues(x, s) !== null);
}

function joinCwd(cwd: string, t: string): string {
  if (t.startsWith('/') || t.startsWith('~')) return t;
  if (cwd === '?' || cwd === '') return cwd === '?' ? '?' : t;
  return `${cwd}/${t}`;
}

/** The directory after `cd DIR` / `pushd DIR` / `popd` ('?' when it cannot be known; '' is where exec starts). */
export function nextCwd(cwd: string, key: string, args: Word[], s: VarState): string {
  const op = args.find((x) => !x.text.startsWith('-') || x.text === '-');
  let t: string | null;
  if (key === 'popd' || op?.text === '-') t = null;
  else if (!op) t = '~';
  else if (!op.dynamic) t = op.text;
  else {
    const v = op.node ? valueOf(op.node, s) : null;
    const home = /^\$HOME(\/.*)?$/.exec(op.text);
    t = v?.length === 1 ? v[0]! : home ? `~${home[1] ?? ''}` : null;
  }
  return t === null ? '?' : joinCwd(cwd, t);
}
