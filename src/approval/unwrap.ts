import { basename, literal, type Word } from './words.js';

/**
 * A simple command with its wrappers peeled off: `sudo env FOO=1 nice -n 5 rm -rf /` is `rm -rf /`
 * run via sudo, env, nice. `payload` is script text the wrapper hands to a shell (`sh -c`, `eval`,
 * `env -S`, `watch`), parsed again by the caller.
 */
export interface Unwrapped { argv: Word[]; wrappers: string[]; assigns: Word[]; payload: Word | null }

/** Shells whose `-c STRING` (or stdin, or heredoc) is a script. */
export const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'yash', 'fish', 'busybox-sh']);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Skip options of a wrapper: `valued` options take the next word; stops at the first operand or `--`. */
function skipOptions(args: Word[], valued: ReadonlySet<string>, longValued: ReadonlySet<string> = new Set()): number {
  let i = 0;
  while (i < args.length) {
    const t = args[i]!.text;
    if (t === '--') return i + 1;
    if (t.startsWith('--')) { i += !t.includes('=') && longValued.has(t) ? 2 : 1; continue; }
    if (t.startsWith('-') && t.length > 1) {
      // The last letter of a short cluster may take a value: `-u root`, `-uroot`.
      const letters = t.slice(1);
      const vi = [...letters].findIndex((c) => valued.has(c));
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

/** Peels wrappers until a real command remains (at most 16 layers; deeper nesting is left as is and asks). */
export function unwrap(argv0: Word[]): Unwrapped {
  let argv = argv0;
  const wrappers: string[] = [];
  const assigns: Word[] = [];
  for (let depth = 0; depth < 16 && argv.length > 0; depth++) {
    const name = basename(argv[0]!.text);
    const args = argv.slice(1);
    let rest: Word[] | null = null;
    switch (name) {
      case 'sudo': case 'doas': case 'run0': {
        let i = skipOptions(args, new Set(['u', 'g', 'C', 'D', 'p', 'r', 't', 'U', 'T', 'R', 'h']), new Set(['--user', '--group', '--chdir', '--prompt', '--role', '--type', '--other-user', '--close-from', '--host', '--command-timeout', '--chroot']));
        while (i < args.length && ASSIGNMENT.test(args[i]!.text)) assigns.push(args[i++]!);
        rest = args.slice(i);
        break;
      }
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
            return { argv: [], wrappers, assigns, payload: joinPayload([...head, ...tail]) };
          }
          if (ASSIGNMENT.test(t)) { assigns.push(args[i]!); i++; continue; }
          if (t === '-u' || t === '-C' || t === '--unset' || t === '--chdir' || t === '-P') { i += 2; continue; }
          if (t.startsWith('-')) { i++; continue; }
          break;
        }
        rest = args.slice(i);
        if (rest.length === 0) return { argv, wrappers, assigns, payload: null }; // bare `env` prints the environment
        break;
      }
      case 'nohup': case 'builtin': case 'busybox': case 'toybox': rest = args; break;
      case 'time': rest = args.slice(skipOptions(args, new Set(['f', 'o']), new Set(['--format', '--output']))); break;
      case 'command': {
        // `command -v x` only looks a name up.
        if (args.some((w) => /^-[pvV]*[vV]/.test(w.text))) return { argv, wrappers, assigns, payload: null };
        rest = args.slice(skipOptions(args, new Set()));
        break;
      }
      case 'exec': rest = args.slice(skipOptions(args, new Set(['a']))); break;
      case 'nice': {
        let i = 0;
        while (i < args.length && args[i]!.text.startsWith('-')) i += args[i]!.text === '-n' ? 2 : 1;
        rest = args.slice(i);
        break;
      }
      case 'ionice':
        if (args.some((w) => w.text === '-p' || w.text === '-P' || w.text.startsWith('--pid'))) return { argv, wrappers, assigns, payload: null };
        rest = args.slice(skipOptions(args, new Set(['c', 'n']), new Set(['--class', '--classdata'])));
        break;
      case 'stdbuf': rest = args.slice(skipOptions(args, new Set(['i', 'o', 'e']), new Set(['--input', '--output', '--error']))); break;
      case 'setsid': rest = args.slice(skipOptions(args, new Set())); break;
      case 'chrt': case 'taskset': {
        const i = skipOptions(args, new Set());
        rest = args.slice(i + 1); // priority / cpu mask, then the command
        break;
      }
      case 'timeout': {
        const i = skipOptions(args, new Set(['s', 'k']), new Set(['--signal', '--kill-after']));
        rest = args.slice(i + 1); // DURATION, then the command
        break;
      }
      case 'xargs': {
        const i = skipOptions(args, new Set(['I', 'n', 'P', 'd', 'E', 'L', 's', 'a']), new Set(['--max-args', '--max-procs', '--delimiter', '--eof', '--max-lines', '--max-chars', '--arg-file', '--replace']));
        rest = args.slice(i);
        if (rest.length === 0) rest = [literal('echo')];
        break;
      }
      case 'watch': {
        const i = skipOptions(args, new Set(['n', 'q']), new Set(['--interval', '--equexit']));
        wrappers.push('watch');
        return { argv: [], wrappers, assigns, payload: joinPayload(args.slice(i)) };
      }
      case 'eval':
        wrappers.push('eval');
        return { argv: [], wrappers, assigns, payload: joinPayload(args) };
      default: {
        if (!SHELLS.has(name)) return { argv, wrappers, assigns, payload: null };
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
        if (!hasC) return { argv, wrappers, assigns, payload: null }; // a script file, or stdin
        wrappers.push(name);
        const script = args[i];
        return { argv: [], wrappers, assigns, payload: script ?? literal('') };
      }
    }
    wrappers.push(name);
    argv = rest;
  }
  return { argv, wrappers, assigns, payload: null };
}
