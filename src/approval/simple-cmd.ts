import type { CodeLang } from './code.js';
import { SHELLS } from './unwrap.js';
import type { VarState } from './vars.js';
import { basename, type Word } from './words.js';

/**
 * What the walker (analyze.ts) produces: simple commands after quote removal and unwrapping,
 * redirections, functions and hook assignments. The floor rules and smart mode read these.
 */

/** One redirection anywhere in the script. `write` is true for anything that can create or change a file. */
export interface Redirect { op: string; target: Word | null; write: boolean; cwd: string; remote: boolean }

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
  /** The commands of the stage right before this one (its direct producer). */
  feeder: SimpleCmd[];
  /** The command executes text produced by a downloader (`bash <(curl …)`, `bash -c "$(curl …)"`, `$(curl …)`). */
  execsDownload: boolean;
  /** Working directory a literal `cd` earlier in the script moved to: '' = where exec starts, '?' = unknown. */
  cwd: string;
  /** Runs on another machine (inside `ssh host …`). */
  remote: boolean;
  /** Why the command name could not be known before it runs (`$(…) -rf /`, `$c` with `c` computed). */
  dynamicHead: string | null;
  /** Reads its program from stdin (a shell, `at`, an interpreter without inline code). */
  stdinProgram: 'shell' | CodeLang | null;
  /** That program comes from a producer we cannot read (`cat x | sh`, `base64 -d | bash`): the producer. */
  programUnknown: string | null;
  /** Inline code (or sed's `e`) runs or deletes something computed at run time. */
  codeDynamic: string | null;
  /** Inline code forks in a loop. */
  forkLoop: boolean;
  /** The script's own variables (a name assigned there is not "unset"). */
  vars: VarState;
}

/** What the walker found. `failed` means the input could not be fully understood: callers fail closed. */
export interface Analysis {
  cmds: SimpleCmd[];
  redirects: Redirect[];
  /** Constructs smart mode never auto-approves, each as a short phrase. */
  issues: string[];
  /** Functions defined; `bomb`: it calls itself twice, in a pipeline, or in the background. */
  functions: { name: string; recursive: boolean; bomb: boolean }[];
  /** Loader/runtime hooks assigned or exported as statements (`export LD_PRELOAD=…; cmd`). */
  hookEnv: { name: string; remote: boolean }[];
  vars: VarState;
  /** The working directory at the current point of the walk (see SimpleCmd.cwd). */
  cwd: string;
  /** Scripts parsed so far (bounded: a line that needs more is not checked, and asks). */
  walks: number;
  failed: string | null;
}

/** Interpreters that run code read from stdin or from a substitution they are given. */
export const INTERPRETERS = new Set([...SHELLS, 'python', 'perl', 'ruby', 'node', 'php', 'lua', 'source', '.', 'osascript', 'pwsh']);

/** Programs whose output is shell setup meant to be eval'ed (`eval "$(ssh-agent -s)"`, `source <(kubectl completion bash)`). */
export const SETUP_PRODUCERS = new Set(['ssh-agent', 'gpg-agent', 'pyenv', 'rbenv', 'nodenv', 'goenv', 'jenv', 'direnv', 'brew', 'dircolors', 'starship', 'zoxide', 'keychain', 'fnm', 'mise', 'rtx', 'conda', 'thefuck', 'atuin', 'opam', 'luarocks', 'register-python-argcomplete', 'minikube', 'docker-machine', 'ssh-keygen']);

/** Text a producer writes, when it is literal: `echo …`, `printf …`, `cat <<EOF`. */
export function producerText(feeder: readonly SimpleCmd[]): string | null {
  if (feeder.length !== 1) return null;
  const p = feeder[0]!;
  const name = p.argv[0] ? basename(p.argv[0].text) : '';
  const args = p.argv.slice(1);
  if (args.some((x) => x.dynamic)) return null;
  if (name === 'echo') { const i = args.findIndex((x) => !/^-[neE]+$/.test(x.text)); return i < 0 ? '' : args.slice(i).map((x) => x.text).join(' ').replace(/\\n/g, '\n'); }
  if (name === 'printf' && args.length > 0) { let k = 1; return args[0]!.text.replace(/%[sb]/g, () => args[k++]?.text ?? '').replace(/\\n/g, '\n'); }
  if (name === 'cat' && args.length === 0 && p.stdinText !== null) return p.stdinText;
  return null;
}
