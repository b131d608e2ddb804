/**
 * Programs that run another program given on their command line, described as data: which
 * options take a value, how many operands come before the command, which option carries a shell
 * script, and which options mean "no command runs". unwrap.ts peels them off.
 */
export interface WrapperSpec {
  /** Short option letters that take a value (`-u root`, `-uroot`). */
  valued?: string;
  /** Long options that take the next word as value when written without `=`. */
  longValued?: readonly string[];
  /** Operands before the command: `timeout DURATION cmd`, `chroot NEWROOT cmd`, `flock FILE cmd`. */
  operands?: number;
  /** Options whose value is a shell script (`su -c 'cmd'`, `flock FILE -c 'cmd'`). */
  scriptOpt?: readonly string[];
  /** An option matching this means the wrapper acts on something else (`ionice -p PID`): no command runs. */
  notCommand?: RegExp;
  /** Without a command, the wrapper starts a shell reading stdin (`sudo -s`, `su`, `chroot /mnt`). */
  bareShell?: boolean;
  /** The command runs on another machine (its effects leave any local sandbox). */
  remote?: boolean;
}

const SUDO: WrapperSpec = { valued: 'ugCDprtUTRh', longValued: ['--user', '--group', '--chdir', '--prompt', '--role', '--type', '--other-user', '--close-from', '--host', '--command-timeout', '--chroot'] };
const SU: WrapperSpec = { valued: 'sgGwu', longValued: ['--shell', '--group', '--supp-group', '--whitelist-environment', '--user'], scriptOpt: ['-c', '--command', '--session-command'], operands: 1, bareShell: true };
const TRACE: WrapperSpec = { valued: 'oesuEPabIOSXnAlDFx', notCommand: /^-[a-zA-Z]*p|^--(attach|pid)/ };

/** Wrappers by command name. Shells, env, xargs, eval, watch, ssh, tmux, capsh are handled in code. */
export const WRAPPERS: ReadonlyMap<string, WrapperSpec> = new Map<string, WrapperSpec>([
  ['sudo', SUDO], ['doas', { valued: 'uC' }], ['run0', SUDO], ['su', SU], ['runuser', SU],
  ['nohup', {}], ['builtin', {}], ['busybox', {}], ['toybox', {}], ['fakeroot', {}], ['eatmydata', {}], ['nocache', {}], ['unbuffer', {}],
  ['rlwrap', {}], ['firejail', {}], ['arch', {}], ['catchsegv', {}], ['dbus-run-session', {}], ['torsocks', { valued: 'uapP' }],
  ['proxychains', { valued: 'f' }], ['proxychains4', { valued: 'f' }], ['time', { valued: 'fo', longValued: ['--format', '--output'] }],
  ['exec', { valued: 'a' }], ['nice', { valued: 'n', longValued: ['--adjustment'] }],
  ['ionice', { valued: 'cn', longValued: ['--class', '--classdata'], notCommand: /^-[a-zA-Z]*[pPu]|^--(pid|pgid|uid)/ }],
  ['stdbuf', { valued: 'ioe', longValued: ['--input', '--output', '--error'] }], ['setsid', {}],
  ['chrt', { operands: 1, notCommand: /^-[a-zA-Z]*p|^--pid/ }], ['taskset', { operands: 1, notCommand: /^-[a-zA-Z]*p|^--pid/ }],
  ['timeout', { valued: 'sk', longValued: ['--signal', '--kill-after'], operands: 1 }],
  ['chroot', { longValued: ['--userspec', '--groups'], operands: 1, bareShell: true }],
  ['unshare', { valued: 'SGRw', longValued: ['--setuid', '--setgid', '--root', '--wd', '--map-user', '--map-group', '--map-users', '--map-groups'], bareShell: true }],
  ['nsenter', { valued: 'tSG', longValued: ['--target', '--setuid', '--setgid'], bareShell: true }],
  ['flock', { valued: 'wE', longValued: ['--timeout', '--conflict-exit-code'], operands: 1, scriptOpt: ['-c', '--command'] }],
  ['setpriv', { longValued: ['--reuid', '--regid', '--ruid', '--euid', '--rgid', '--egid', '--groups', '--inh-caps', '--ambient-caps', '--bounding-set', '--securebits', '--pdeathsig', '--selinux-label', '--apparmor-profile'] }],
  ['pkexec', { longValued: ['--user'] }],
  ['systemd-run', { valued: 'uEpMH', longValued: ['--unit', '--property', '--setenv', '--machine', '--host', '--description', '--slice', '--uid', '--gid', '--nice', '--working-directory', '--on-active', '--on-calendar', '--service-type'] }],
  ['prlimit', { notCommand: /^-[a-zA-Z]*p|^--pid/ }], ['cgexec', { valued: 'g' }], ['strace', TRACE], ['ltrace', TRACE],
  ['caffeinate', { valued: 'tw' }], ['gosu', { operands: 1 }], ['su-exec', { operands: 1 }], ['sandbox-exec', { valued: 'pfD' }],
  ['sg', { operands: 1, scriptOpt: ['-c'] }], ['script', { valued: 'EIOBTm', longValued: ['--echo', '--log-in', '--log-out', '--log-io', '--log-timing', '--logging-format'], scriptOpt: ['-c', '--command'] }],
  ['screen', { valued: 'ScTehpX', longValued: ['-Logfile'] }],
  ['npx', { valued: 'p', longValued: ['--package'], scriptOpt: ['-c', '--call'] }], ['bunx', {}], ['pnpx', {}],
  ['ssh', { valued: 'bcDEeFIiJLlmOopQRSWw', operands: 1, remote: true, bareShell: true }],
]);

/** Wrappers that only ever run a script given through `scriptOpt` (never a trailing command). */
export const SCRIPT_ONLY = new Set(['script']);
/** Wrappers whose trailing words are joined into one script (`ssh host rm -rf /`, `sg grp 'cmd'`, `su user -c`). */
export const JOINS_WORDS = new Set(['ssh', 'sg']);
