import { basename, literal, type Word } from './words.js';
import { JOINS_WORDS, SCRIPT_ONLY, WRAPPERS, type WrapperSpec } from './wrappers.js';

/**
 * A simple command with its wrappers peeled off: `sudo env FOO=1 nice -n 5 rm -rf /` is `rm -rf /`
 * run via sudo, env, nice. `payload` is script text a wrapper hands to a shell (`sh -c`, `eval`,
 * `env -S`, `watch`, `su -c`, `ssh host …`), parsed again by the caller. `remote`: it runs on
 * another machine (ssh).
 */
export interface Unwrapped {
  argv: Word[]; wrappers: string[]; assigns: Word[]; payload: Word | null; remote: boolean;
  /** For `ssh host a "b c"`: the words as written (what the user meant), beside the real joined text. */
  asWritten: string | null;
  /** `sh -c SCRIPT name arg…`: the words after the script ($0, $1, …). */
  positional: Word[];
}

/** Shells whose `-c STRING` (or stdin, or heredoc) is a script. */
export const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'yash', 'fish', 'busybox-sh', 'rbash', 'tcsh', 'csh']);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const NONE: WrapperSpec = {};

/** Skip options of a wrapper: `valued` options take the next word; stops at the first operand or after `--`. */
function skipOptions(args: Word[], spec: WrapperSpec): number {
  let i = 0;
  while (i < args.length) {
    const t = args[i]!.text;
    if (t === '--') return i + 1;
    if (t.startsWith('--')) { i += !t.includes('=') && (spec.longValued ?? []).includes(t) ? 2 : 1; continue; }
    if (t.startsWith('-') && t.length > 1) {
      // The last letter of a short cluster may take a value: `-u root`, `-uroot`.
      const letters = t.slice(1);
      const vi = [...letters].findIndex((c) => (spec.valued ?? '').includes(c));
      i += vi >= 0 && vi === letters.length - 1 ? 2 : 1;
      continue;
    }
    return i;
  }
  return i;
}

function joinPayload(words: Word[]): Word {
  return { text: words.map((w) => w.text).join(' '), dynamic: words.some((w) => w.dynamic), node: words[0]?.node ?? null };
}

/** The value of a script option (`-c CMD`, `--command=CMD`), if the wrapper has one. */
function scriptOption(args: Word[], opts: readonly string[]): Word | null {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!.text;
    if (t === '--') break;
    if (opts.includes(t)) return args[i + 1] ?? literal('');
    // `script -qc CMD`: the script option may end a cluster of short flags.
    if (/^-[a-zA-Z]+$/.test(t) && opts.some((o) => /^-[a-zA-Z]$/.test(o) && t.endsWith(o[1]!))) return args[i + 1] ?? literal('');
    const long = opts.find((o) => o.startsWith('--') && t.startsWith(`${o}=`));
    if (long) return { ...args[i]!, text: t.slice(long.length + 1) };
  }
  return null;
}

const TMUX_RUNS = new Set(['new-session', 'new', 'new-window', 'neww', 'split-window', 'splitw', 'respawn-pane', 'respawnp', 'respawn-window', 'respawnw', 'run-shell', 'run', 'display-popup', 'popup']);
const TMUX_KEYS = /^(Enter|C-m|C-j|KPEnter|Escape|Space|Tab|C-[a-z]|M-[a-z])$/;

/** `tmux new-session -d 'cmd'`, `tmux send-keys 'cmd' Enter`: the script tmux runs, or null. */
function tmuxScript(args: Word[]): Word | null {
  let i = skipOptions(args, { valued: 'LSfTc' });
  const direct = scriptOption(args.slice(0, i), ['-c']);
  if (direct) return direct;
  const sub = args[i]?.text ?? '';
  i++;
  const rest = args.slice(i);
  const j = skipOptions(rest, { valued: 'cenFstxyflp' });
  if (TMUX_RUNS.has(sub)) return rest.length > j ? joinPayload(rest.slice(j)) : null;
  if (sub === 'send-keys' || sub === 'send') return joinPayload(rest.slice(j).filter((w) => !TMUX_KEYS.test(w.text)));
  return null;
}

/** Peels wrappers until a real command remains (at most 16 layers; deeper nesting is left as is and asks). */
export function unwrap(argv0: Word[]): Unwrapped {
  let argv = argv0;
  const wrappers: string[] = [];
  const assigns: Word[] = [];
  let remote = false;
  let asWritten: string | null = null;
  let positional: Word[] = [];
  const done = (payload: Word | null = null): Unwrapped => ({ argv: payload ? [] : argv, wrappers, assigns, payload, remote, asWritten, positional });
  for (let depth = 0; depth < 16 && argv.length > 0; depth++) {
    const name = basename(argv[0]!.text);
    const args = argv.slice(1);
    let rest: Word[];
    switch (name) {
      case 'env': {
        let i = 0;
        while (i < args.length) {
          const t = args[i]!.text;
          if (t === '--') { i++; break; }
          if (t === '-S' || t === '--split-string' || t.startsWith('--split-string=') || (t.startsWith('-S') && t.length > 2)) {
            // `env -S 'rm -rf /'` splits its argument into a command line.
            const inline = t.startsWith('--split-string=') ? t.slice(15) : t.startsWith('-S') && t.length > 2 ? t.slice(2) : null;
            const tail = inline !== null ? args.slice(i + 1) : args.slice(i + 2);
            const head = inline !== null ? [{ ...args[i]!, text: inline }] : args.slice(i + 1, i + 2);
            wrappers.push('env');
            return done(joinPayload([...head, ...tail]));
          }
          if (ASSIGNMENT.test(t)) { assigns.push(args[i]!); i++; continue; }
          if (t === '-u' || t === '-C' || t === '--unset' || t === '--chdir' || t === '-P') { i += 2; continue; }
          if (t.startsWith('-')) { i++; continue; }
          break;
        }
        rest = args.slice(i);
        if (rest.length === 0) return done(); // bare `env` prints the environment
        break;
      }
      case 'command': {
        // `command -v x` only looks a name up.
        if (args.some((w) => /^-[pvV]*[vV]/.test(w.text))) return done();
        rest = args.slice(skipOptions(args, NONE));
        break;
      }
      case 'xargs': {
        const i = skipOptions(args, { valued: 'InPdELsa', longValued: ['--max-args', '--max-procs', '--delimiter', '--eof', '--max-lines', '--max-chars', '--arg-file', '--replace'] });
        rest = args.slice(i);
        if (rest.length === 0) rest = [literal('echo')];
        break;
      }
      case 'watch': {
        const i = skipOptions(args, { valued: 'nqd', longValued: ['--interval', '--equexit'] });
        wrappers.push('watch');
        return done(joinPayload(args.slice(i)));
      }
      case 'eval':
        wrappers.push('eval');
        return done(joinPayload(args));
      case 'tmux': {
        const s = tmuxScript(args);
        if (!s) return done();
        wrappers.push('tmux');
        return done(s);
      }
      case 'capsh': {
        // Everything after `--` is handed to /bin/bash.
        const i = args.findIndex((w) => w.text === '--');
        if (i < 0) return done();
        rest = [literal('bash'), ...args.slice(i + 1)];
        break;
      }
      default: {
        const spec = WRAPPERS.get(name);
        if (!spec) {
          if (!SHELLS.has(name)) return done();
          // `bash -lc 'PAYLOAD' name args…`: the first operand after the options is the script.
          let i = 0;
          let hasC = false;
          while (i < args.length) {
            const t = args[i]!.text;
            if (t === '--') { i++; break; }
            if (/^[-+]o$/.test(t)) { i += 2; continue; }
            if (/^[-+][A-Za-z]+$/.test(t)) { if (t.startsWith('-') && t.includes('c')) hasC = true; i++; continue; }
            if (t.startsWith('--')) { i++; continue; }
            break;
          }
          if (!hasC) return done(); // a script file, or stdin
          wrappers.push(name);
          positional = args.slice(i + 1);
          return done(args[i] ?? literal(''));
        }
        if (spec.notCommand && args.some((w) => spec.notCommand!.test(w.text))) return done();
        if (spec.remote) remote = true;
        const script = spec.scriptOpt ? scriptOption(args, spec.scriptOpt) : null;
        if (script) { wrappers.push(name); return done(script); }
        if (SCRIPT_ONLY.has(name)) return done();
        let i = skipOptions(args, spec);
        if (name === 'sudo' || name === 'run0') while (i < args.length && ASSIGNMENT.test(args[i]!.text)) assigns.push(args[i++]!);
        while (args[i]?.text === '-') i++; // `su - user`
        const userForm = name === 'runuser' && args.some((w) => w.text === '-u' || w.text.startsWith('--user'));
        i += userForm ? 0 : spec.operands ?? 0;
        rest = args.slice(i);
        if (rest.length === 0) {
          // `sudo -s`, `su`, `chroot /mnt`, `ssh host` with no command start a shell reading stdin.
          const shell = spec.bareShell || ((name === 'sudo' || name === 'doas') && args.some((w) => /^-[a-zA-Z]*[si]$/.test(w.text) || w.text === '--shell' || w.text === '--login'));
          if (!shell) return done();
          wrappers.push(name);
          argv = [literal('sh')];
          return done();
        }
        if (JOINS_WORDS.has(name)) {
          if ((name === 'sg' && rest[0]?.text === '-c') || rest[0]?.text === '--') rest = rest.slice(1);
          wrappers.push(name);
          asWritten = rest.map((w) => w.node?.text ?? w.text).join(' ');
          return done(joinPayload(rest));
        }
        break;
      }
    }
    wrappers.push(name);
    argv = rest;
  }
  return done();
}
