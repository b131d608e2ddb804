import { producerText, type SimpleCmd } from '../simple-cmd.js';
import { basename } from '../words.js';
import { DEVICE } from './paths.js';
import type { Detector, Hit } from './types.js';

const hit = (rule: string, reason: string): Hit => ({ rule, reason });
const texts = (c: SimpleCmd) => c.argv.slice(1).map((w) => w.text);
const name = (c: SimpleCmd) => basename(c.argv[0]!.text);
/** A device operand: a block device path, or a computed word that could be one. */
const device = (c: SimpleCmd) => c.argv.slice(1).find((w) => !w.text.startsWith('-') && (DEVICE.test(w.text) || (w.dynamic && !/^[./~]/.test(w.text))))?.text;

const mkfs: Detector = (c) => { const d = device(c); return d ? hit('mkfs', `${name(c)} creates a filesystem on ${d}`) : null; };

/** Device tools and the arguments that make them destroy data. */
const WIPE: Readonly<Record<string, RegExp>> = {
  wipefs: /^(-a|--all|-o|--offset|-[a-zA-Z]*a[a-zA-Z]*)$/, blkdiscard: /./, sgdisk: /^(-Z|--zap-all|-z|--zap|-o|--clear)$/,
  hdparm: /^--(security-erase|security-erase-enhanced|trim-sector-ranges|write-sector|fwdownload|make-bad-sector|dco-restore)/,
  badblocks: /^-[a-zA-Z]*w/, mdadm: /^--zero-superblock$/, lvremove: /./, vgremove: /./, pvremove: /./,
};
const wipe: Detector = (c) => {
  const re = WIPE[name(c)]!;
  const bad = texts(c).find((t) => re.test(t));
  return bad !== undefined && (name(c) === 'mdadm' || name(c) === 'hdparm' || /remove$/.test(name(c)) || device(c)) ? hit('disk-wipe', `${name(c)} ${bad} destroys device data`) : null;
};
const SUB_WIPE: Readonly<Record<string, RegExp>> = { nvme: /^(format|sanitize|delete-ns)$/, cryptsetup: /^(luksFormat|erase|luksErase|reencrypt)$/, zpool: /^(destroy|labelclear)$/, zfs: /^destroy$/ };
const subWipe: Detector = (c) => { const s = texts(c).find((t) => SUB_WIPE[name(c)]!.test(t)); return s ? hit('disk-wipe', `${name(c)} ${s} destroys data`) : null; };

/** Partitioners: writing unless only listing/printing (read-only options differ per tool). */
const READ_ONLY_PART: Readonly<Record<string, RegExp>> = {
  fdisk: /^(-l|--list|-s|--getsz|-x|--list-details|-V|--version|-h|--help)$/,
  sfdisk: /^(-l|--list|-d|--dump|-J|--json|-s|--show-size|-V|--verify|-g|--show-geometry|-T|--list-types|--help|--version)$/,
  parted: /^(-l|--list|-h|--help|-v|--version)$/, gdisk: /^(-l|--help)$/, cfdisk: /^(-h|--help|-V|--version)$/,
  sgdisk: /^(-p|--print|-i|--info|-v|--verify|-O|--print-mbr|-?)$/,
};
const partition: Detector = (c) => {
  const t = texts(c);
  const d = device(c);
  if (!d || t.some((x) => READ_ONLY_PART[name(c)]!.test(x))) return null;
  if (name(c) === 'parted') { const cmds = t.filter((x) => !x.startsWith('-') && x !== d); if (cmds.length > 0 && cmds.every((x) => /^(print|p|unit|s|B|MiB|GiB|%)$/.test(x))) return null; }
  return hit('partition-write', `${name(c)} rewrites the partition table of ${d}`);
};

const SAFE_SIGNALS = /^-?(SIG)?(HUP|USR1|USR2|CONT|WINCH|0|1|10|12|18|28)$/i;
const TRIVIAL_PATTERN = /^(|\.|\.\*|\.\+|\^|\$|\^\.\*\$?|\[\^?\]?.*\]\*?)$/;
const CRITICAL_PROCS = new Set(['init', 'systemd', 'sshd', 'dockerd', 'containerd', 'kubelet', 'launchd', 'xorg', 'gdm', 'sddm', 'lightdm', 'dbus-daemon', 'systemd-journald', 'journald', 'networkmanager', 'login', 'getty', 'agetty', 'cron', 'crond', 'rsyslogd', 'polkitd', 'udevd', 'systemd-udevd', 'windowserver', 'loginwindow', 'bash', 'sh', 'zsh', 'fish', 'dash', 'tmux', 'screen', 'sudo', 'su']);

/** The signal and operands of kill/pkill/killall (`-9`, `-KILL`, `-s KILL`, `--signal=KILL`). */
function signalAndOperands(t: string[], valued: ReadonlySet<string>): { signal: string; ops: string[]; user: boolean } {
  let signal = 'TERM';
  let user = false;
  const ops: string[] = [];
  for (let i = 0; i < t.length; i++) {
    const x = t[i]!;
    if (x === '--') { ops.push(...t.slice(i + 1)); break; }
    if (x === '-s' || x === '--signal' || x === '-n') { signal = t[++i] ?? ''; continue; }
    if (x.startsWith('--signal=')) { signal = x.slice(9); continue; }
    if (x === '-u' || x === '--user' || x === '-U' || x === '--uid') { user = true; i++; continue; }
    if (valued.has(x)) { i++; continue; }
    if (/^-(\d+|[A-Z][A-Z0-9+-]*)$/.test(x) && ops.length === 0 && !(x === '-1' && signal !== 'TERM')) { signal = x.slice(1); continue; }
    if (x.startsWith('-') && !/^-\d+$/.test(x)) continue;
    ops.push(x);
  }
  return { signal, ops, user };
}

const BROAD_PGREP = /^\$\((pgrep|pidof)\s+(.*)\)$/;

const kill: Detector = (c) => {
  if (name(c) === 'killall5') return hit('kill-all', 'killall5 signals every process');
  const s = signalAndOperands(texts(c), new Set());
  if (SAFE_SIGNALS.test(s.signal)) return null;
  const all = s.ops.find((p) => p === '-1' || p === '1');
  if (all) return hit('kill-all', all === '-1' ? 'kill -1 signals every process' : 'kill 1 signals init');
  if (s.ops.some((p) => /^\$\(ps\s+(.*\s)?(-e|-A|a?ux?|-ax|-aux|--all)\b/.test(p))) return hit('kill-all', 'kill of every process ps lists');
  const sub = s.ops.map((p) => BROAD_PGREP.exec(p)).find((m) => m && broadTarget(m[2]!.split(/\s+/)));
  return sub ? hit('kill-all', `kill of every process ${sub[1]} matches`) : null;
};

function broadTarget(t: string[]): boolean {
  const s = signalAndOperands(t, new Set(['-g', '-G', '-P', '-t', '--parent', '--terminal', '--group', '--pgroup', '--session', '-o', '--older-than', '-y', '--younger-than', '-Z', '--context']));
  if (SAFE_SIGNALS.test(s.signal)) return false;
  if (s.ops.length === 0) return s.user;
  return s.ops.some((p) => TRIVIAL_PATTERN.test(p.replace(/^['"]|['"]$/g, '')) || CRITICAL_PROCS.has(p.toLowerCase()));
}

const pkill: Detector = (c) => (broadTarget(texts(c)) ? hit('kill-all', `${name(c)} kills every process it matches (all, a user's, or system daemons)`) : null);

const shutdown: Detector = (c) => {
  const n = name(c);
  const t = texts(c);
  if (t.some((x) => x === '--help' || x === '-c' || x === '-k' || x === '--version')) return null;
  if (n === 'init' || n === 'telinit') return t[0] === '0' || t[0] === '6' ? hit('shutdown', `${n} ${t[0]} stops the machine`) : null;
  if (n === 'systemctl') return t.some((x) => /^(poweroff|reboot|halt|kexec|soft-reboot)$/.test(x)) ? hit('shutdown', 'systemctl stops the machine') : null;
  return hit('shutdown', `${n} stops the machine`);
};

const crontab: Detector = (c) => {
  const t = texts(c);
  if (t.some((x) => /^-[a-zA-Z]*r/.test(x))) return hit('crontab-remove', 'crontab -r deletes every scheduled job');
  // `crontab /dev/null`, `echo | crontab -`: the whole table replaced by nothing.
  const file = t.find((x) => !x.startsWith('-') || x === '-');
  const empty = file === '/dev/null' || (file === '-' && (producerText(c.feeder) ?? c.stdinText ?? 'x').trim() === '');
  return empty ? hit('crontab-remove', 'crontab replaced by an empty table') : null;
};

/** Disk, process and power detectors by command key. */
export const SYSTEM_DETECTORS: ReadonlyArray<[readonly string[], Detector]> = [
  [['mkfs'], mkfs], [Object.keys(WIPE), wipe], [Object.keys(SUB_WIPE), subWipe], [['fdisk', 'sfdisk', 'parted', 'gdisk', 'cfdisk', 'sgdisk'], partition],
  [['kill', 'killall5'], kill], [['pkill', 'killall'], pkill], [['shutdown', 'reboot', 'halt', 'poweroff', 'init', 'telinit', 'systemctl'], shutdown], [['crontab'], crontab],
];
