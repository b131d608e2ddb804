/**
 * Inline interpreter code (`python -c`, `perl -e`, `ruby -e`, `node -e`, `php -r`, `lua -e`,
 * awk programs, heredocs fed to them): finds the shell commands and deletions it performs, so the
 * floor can judge them like typed commands. Calls with literal arguments become shell text
 * (`os.system('rm -rf /')` → `rm -rf /`, `shutil.rmtree('/')` → `rm -rf '/'`); a call whose
 * argument is computed is reported, and the caller fails closed.
 */

export type CodeLang = 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'lua' | 'awk';

export interface CodeFindings {
  /** Shell command lines the code runs or is equivalent to. */
  scripts: string[];
  /** Set when the code runs or deletes something computed at run time (the call, shortened). */
  dynamic: string | null;
  /** The code forks in a loop (the fork-bomb shape). */
  forkLoop: boolean;
}

type Kind = 'shell' | 'rm' | 'rmrf';
interface CallRule { re: RegExp; kind: Kind }

// Each table is compiled once; `g` regexes are only used through matchAll (no shared lastIndex).
const CALLS: Readonly<Record<CodeLang, readonly CallRule[]>> = {
  python: [
    { re: /(?:\b(?:os|subprocess|sp|pty|commands)|\))\s*\.\s*(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|run|call|check_call|check_output|Popen|getoutput|getstatusoutput)\s*\(/g, kind: 'shell' },
    { re: /(?<![.\w])(?:system|popen|check_output|check_call|getoutput)\s*\(/g, kind: 'shell' },
    { re: /\b(?:shutil\s*\.\s*)?rmtree\s*\(/g, kind: 'rmrf' },
    { re: /\bos\s*\.\s*(?:remove|unlink|removedirs)\s*\(/g, kind: 'rm' },
  ],
  perl: [
    { re: /\b(?:system|exec)\b\s*\(?/g, kind: 'shell' },
    { re: /\b(?:rmtree|remove_tree)\b\s*\(?/g, kind: 'rmrf' },
    { re: /\bunlink\b\s*\(?/g, kind: 'rm' },
  ],
  ruby: [
    { re: /\b(?:Kernel\s*\.\s*)?(?:system|exec|spawn)\b\s*\(?|\bIO\s*\.\s*popen\s*\(|\bOpen3\s*\.\s*\w+\s*\(/g, kind: 'shell' },
    { re: /\bFileUtils\s*\.\s*(?:rm_rf|rm_r|remove_dir|remove_entry|remove_entry_secure|rmtree)\b\s*\(?/g, kind: 'rmrf' },
    { re: /\bFileUtils\s*\.\s*(?:rm|rm_f|remove)\b\s*\(?|\bFile\s*\.\s*(?:delete|unlink)\s*\(/g, kind: 'rm' },
  ],
  node: [
    // `exec(` only bare, on child_process or on `require(…)`: `re.exec(s)` is a RegExp method.
    { re: /(?:\.|\b)(?:execSync|spawnSync|spawn|execFileSync|execFile)\s*\(|(?:\b(?:child_process|childProcess|cp)\s*\.\s*|\)\s*\.\s*|(?<![.\w$]))exec\s*\(/g, kind: 'shell' },
    { re: /(?:\.|\b)(?:rmSync|rmdirSync|rimraf|removeSync|emptyDirSync)\s*\(|\bfs(?:\s*\.\s*promises)?\s*\.\s*(?:rm|rmdir)\s*\(/g, kind: 'rmrf' },
    { re: /\.\s*unlinkSync\s*\(/g, kind: 'rm' },
  ],
  php: [
    { re: /\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(/g, kind: 'shell' },
    { re: /\brmdir\s*\(/g, kind: 'rmrf' },
    { re: /\bunlink\s*\(/g, kind: 'rm' },
  ],
  lua: [
    { re: /\bos\s*\.\s*execute\s*\(?|\bio\s*\.\s*popen\s*\(?/g, kind: 'shell' },
    { re: /\bos\s*\.\s*remove\s*\(?/g, kind: 'rm' },
  ],
  awk: [
    { re: /\bsystem\s*\(/g, kind: 'shell' },
  ],
};

/** Command text in backticks / qx / %x (perl, ruby, php) and awk's `"cmd" | getline`, `print | "cmd"`. */
const BACKTICKS = /`([^`]*)`|\bqx\s*(?:\{([^}]*)\}|\(([^)]*)\)|\/([^/]*)\/)|%x(?:\{([^}]*)\}|\(([^)]*)\))/g;
const AWK_PIPES = /"((?:[^"\\]|\\.)*)"\s*\|\s*getline|\|\s*"((?:[^"\\]|\\.)*)"/g;

/** Idioms for the home directory, read as `~`. */
const HOME_IDIOM = /^(?:os\.path\.expanduser\(\s*['"]~\/?['"]\s*\)|(?:require\(\s*['"](?:node:)?os['"]\s*\)|os)\.homedir\(\s*\)|(?:pathlib\.)?Path\.home\(\s*\)|os\.environ\[\s*['"]HOME['"]\s*\]|ENV\[\s*['"]HOME['"]\s*\]|\$ENV\{\s*['"]?HOME['"]?\s*\}|Dir\.home\b|(?:os\.)?getenv\(\s*['"]HOME['"]\s*\)|process\.env\.HOME\b)/;

const FORK_LOOP = /\bfork\b[^\n]*\bwhile\b|\bwhile\b[^\n]*\n?[^\n]*\bfork\b|\bloop\b[^\n]*\bfork\b|\bfor\s*\(\s*;\s*;\s*\)[^\n]*\bfork\b/;

/** `'…'` quoting for one argv item when rebuilding a command line. */
function shellQuote(s: string): string { return `'${s.replace(/'/g, `'\\''`)}'`; }

/** Reads one string literal at `i` (after optional python prefixes); null if none is there. */
function readString(code: string, i: number, lang: CodeLang): { value: string; end: number; interpolated: boolean } | null {
  let j = i;
  let fString = false;
  if (lang === 'python') { const m = /^[rRbBuUfF]{1,2}(?=['"])/.exec(code.slice(j, j + 3)); if (m) { fString = /f/i.test(m[0]); j += m[0].length; } }
  const q = code[j];
  if (q !== '"' && q !== "'" && !(q === '`' && lang === 'node')) return null;
  let value = '';
  let k = j + 1;
  while (k < code.length && code[k] !== q) {
    if (code[k] === '\\' && k + 1 < code.length) { const e = code[k + 1]!; value += e === 'n' ? '\n' : e === 't' ? '\t' : e; k += 2; continue; }
    value += code[k++];
  }
  if (k >= code.length) return null;
  const interpolated = fString ? /\{[^}]*\}/.test(value) : q === '`' ? value.includes('${') : (q === '"' && (lang === 'ruby' ? value.includes('#{') : (lang === 'perl' || lang === 'php') && /[$@][A-Za-z_{]/.test(value)));
  return { value, end: k + 1, interpolated };
}

/** The literal arguments at `i`: strings and lists of strings, up to the first thing that is neither. */
function readArgs(code: string, i: number, lang: CodeLang): { items: string[]; list: boolean } | null {
  const items: string[] = [];
  let list = false;
  let k = i;
  const ws = () => { while (k < code.length && /[\s(]/.test(code[k]!)) k++; };
  for (;;) {
    ws();
    const home = HOME_IDIOM.exec(code.slice(k));
    if (home) { items.push('~'); k += home[0].length; }
    else if (code[k] === '[') {
      k++; list = true;
      for (;;) {
        while (/\s/.test(code[k] ?? '')) k++;
        if (code[k] === ']') { k++; break; }
        const s = readString(code, k, lang);
        if (!s || s.interpolated) return items.length > 0 ? { items, list } : null;
        items.push(s.value); k = s.end;
        while (/\s/.test(code[k] ?? '')) k++;
        if (code[k] === ',') k++;
      }
    } else {
      const s = readString(code, k, lang);
      if (!s || s.interpolated) return items.length > 0 ? { items, list } : null;
      items.push(s.value); k = s.end;
    }
    while (/\s/.test(code[k] ?? '')) k++;
    // `'r' + 'm -rf /'`, `"rm -rf " . $dir`, `'%s' % x`: the argument is computed.
    if (/^([+%*]|\.(?!\d)|\.format\b)/.test(code.slice(k, k + 8)) && !/^\.\.\./.test(code.slice(k))) return null;
    if (code[k] !== ',') return { items, list };
    k++;
    // A second literal makes an argv list (`exec "rm", "-rf", "/"`); keyword arguments end the list.
    const save = k;
    while (/\s/.test(code[k] ?? '')) k++;
    if (!readString(code, k, lang) && !HOME_IDIOM.test(code.slice(k)) && code[k] !== '[') return { items, list };
    k = save; list = true;
  }
}

/** What the code runs or deletes. */
export function scanCode(lang: CodeLang, code: string): CodeFindings {
  const out: CodeFindings = { scripts: [], dynamic: null, forkLoop: FORK_LOOP.test(code) };
  for (const rule of CALLS[lang]) {
    for (const m of code.matchAll(rule.re)) {
      const args = readArgs(code, m.index + m[0].length, lang);
      // Fail closed: a shell-out or deletion whose target is computed at run time.
      if (!args) { out.dynamic ??= m[0].trim(); continue; }
      if (rule.kind === 'shell') out.scripts.push(args.list ? args.items.map(shellQuote).join(' ') : args.items[0]!);
      else out.scripts.push(`rm ${rule.kind === 'rmrf' ? '-rf ' : ''}-- ${args.items[0] === '~' ? '~' : shellQuote(args.items[0]!)}`);
    }
  }
  if (lang === 'perl' || lang === 'ruby' || lang === 'php') {
    for (const m of code.matchAll(BACKTICKS)) out.scripts.push(m.slice(1).find((g) => g !== undefined) ?? '');
  }
  if (lang === 'awk') for (const m of code.matchAll(AWK_PIPES)) out.scripts.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}

/** Options of each interpreter that carry inline code, and those that take a value. */
const INLINE: Readonly<Record<CodeLang, { code: readonly string[]; valued: string; longValued?: readonly string[]; stdinOnly?: readonly string[] }>> = {
  python: { code: ['c'], valued: 'WXQ', stdinOnly: ['m'] },
  perl: { code: ['e', 'E'], valued: 'IMmx0' },
  ruby: { code: ['e'], valued: 'IrCEx' },
  node: { code: ['e', 'p', '--eval', '--print'], valued: 'rC', longValued: ['--require', '--import', '--loader', '--input-type', '--conditions'] },
  php: { code: ['r', 'B', 'R', 'E'], valued: 'cdfzF' },
  lua: { code: ['e'], valued: 'l' },
  awk: { code: ['e', '--source'], valued: 'Fvf', longValued: ['--field-separator', '--assign', '--file', '--include', '--load'] },
};

/**
 * Inline code of an interpreter command line, and whether it reads its program from stdin
 * (no code option and no script operand, or the operand `-`). `-m module` (python) and
 * `-f file` (awk, php) run files we cannot see: neither code nor stdin.
 */
export function inlineCode(lang: CodeLang, args: readonly string[]): { code: string[]; readsStdin: boolean } {
  const spec = INLINE[lang];
  const code: string[] = [];
  let operand: string | null = null;
  let file = false;
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    if (t === '--') { operand = args[i + 1] ?? null; break; }
    if (t.startsWith('--')) {
      const [name, val] = t.includes('=') ? [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] : [t, null];
      if (spec.code.includes(name!)) { code.push(val ?? args[++i] ?? ''); continue; }
      if (name === '--file') file = true;
      if (val === null && (spec.longValued ?? []).includes(name!)) i++;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      for (let j = 1; j < t.length; j++) {
        const c = t[j]!;
        if (spec.code.includes(c)) { code.push(t.slice(j + 1) || (args[++i] ?? '')); break; }
        if ((spec.stdinOnly ?? []).includes(c) || (c === 'f' && (lang === 'awk' || lang === 'php'))) { file = true; if (!t.slice(j + 1)) i++; break; }
        if (spec.valued.includes(c)) { if (!t.slice(j + 1)) i++; break; }
      }
      continue;
    }
    operand = t;
    break;
  }
  // awk's first operand is its program, unless -f / -e gave one.
  if (lang === 'awk' && code.length === 0 && !file && operand !== null) return { code: [operand], readsStdin: false };
  return { code, readsStdin: code.length === 0 && !file && (operand === null || operand === '-') };
}

/** Interpreter language of a command key, if it is one. */
export function codeLang(key: string): CodeLang | null {
  return key === 'python' || key === 'perl' || key === 'ruby' || key === 'node' || key === 'php' || key === 'lua' || key === 'awk' ? key : null;
}
