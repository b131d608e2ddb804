/**
 * Environment variables that change which code runs. One definition each: the floor, smart mode
 * and the exec tool's environment filter import these.
 */

/**
 * Loader and runtime hooks: set for a program, they make it load or run other code (a preload
 * library, a startup script, injected interpreter options). The floor asks when a command sets
 * one, and the exec tool never passes one from the owner's variables into a command.
 */
export const HOOK_ENV = /^(LD_[A-Z0-9_]*|DYLD_[A-Z0-9_]*|BASH_ENV|ENV|ZDOTDIR|PROMPT_COMMAND|NODE_OPTIONS|PYTHONSTARTUP|PERL5OPT|RUBYOPT|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS)$/i;

/**
 * Hooks plus search paths and shell behaviour (PATH, IFS, interpreter library paths, editors):
 * smart mode never runs a command that sets one without asking.
 */
export const SMART_ENV = new RegExp(`${HOOK_ENV.source}|^(PATH|IFS|PS4|SHELLOPTS|BASHOPTS|CDPATH|GLOBIGNORE|PYTHONPATH|PYTHONHOME|NODE_PATH|PERL5LIB|PERLLIB|RUBYLIB|CLASSPATH|GIT_[A-Z_]*|SSH_ASKPASS|LESSOPEN|LESSCLOSE|EDITOR|VISUAL|PAGER|BROWSER|TERMINAL)$`, 'i');
