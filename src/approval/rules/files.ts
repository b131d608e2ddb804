import { producerText, type SimpleCmd } from '../simple-cmd.js';
import { basename, parseFlags, type Word } from '../words.js';
import { classifyTarget, criticalFile, DEVICE, fedOperands, findStart, targetScope, type TargetClass } from './paths.js';
import type { Detector, Hit } from './types.js';

const RM_RULE: Record<NonNullable<TargetClass>, string> = { root: 'rm-rf-root', system: 'rm-rf-system', home: 'rm-rf-home', workspace: 'rm-rf-workspace' };
const RANK: Record<NonNullable<TargetClass>, number> = { root: 4, system: 3, home: 2, workspace: 1 };
/** Commands `find -exec` or `xargs` may run that delete what they are given. */
const DELETERS = new Set(['rm', 'unlink', 'shred', 'srm', 'wipe', 'rmdir']);

const args = (c: SimpleCmd) => c.argv.slice(1);
const operands = (ws: Word[]) => ws.filter((w) => !w.text.startsWith('-'));

/** The most protected target among `ws`. */
function worst(ws: Word[], cwd: string, assigned: ReadonlyMap<string, unknown>): { k: TargetClass; w: Word | null } {
  let best: { k: TargetClass; w: Word | null } = { k: null, w: null };
  for (const w of ws) { const k = classifyTarget(w, cwd, assigned); if (k && (!best.k || RANK[k] > RANK[best.k])) best = { k, w }; }
  return best;
}

/** find START … deleting: START is /, ~, a system dir, or the whole working tree with no filter. */
function findDeleteHit(starts: Word[], filtered: boolean, c: SimpleCmd, how: string): Hit | null {
  for (const s of starts) {
    const k = classifyTarget(s, c.cwd, c.vars.vars);
    if (k === 'root' || k === 'system' || k === 'home' || (k === 'workspace' && !filtered)) return { rule: 'find-delete', reason: `${how} under ${s.text}`, scope: targetScope(k) };
  }
  return null;
}

const rm: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const f = parseFlags(args(c), { '--recursive': 'r', '--force': 'f', '--dir': 'd', '--no-preserve-root': 'P' });
  const fed = fedOperands(c, producerText);
  if (fed.find) { const h = findDeleteHit(fed.find.starts, fed.find.filtered, c, `find | xargs ${name}`); if (h) return h; }
  const ops = [...f.operands, ...fed.words];
  if (f.flags.has('r') || f.flags.has('R')) {
    const { k, w } = worst(ops, c.cwd, c.vars.vars);
    if (k) return { rule: RM_RULE[k], reason: `recursive ${name} of ${w!.text}`, scope: targetScope(k) };
  }
  const crit = ops.map((w) => criticalFile(w, c.cwd, c.vars.vars)).find((x) => x !== null);
  if (crit) return { rule: 'critical-file-delete', reason: `${name} deletes ${crit}` };
  return name === 'rm' ? null : { rule: 'shred', reason: `${name} destroys files irrecoverably` };
};

const unlink: Detector = (c) => {
  const crit = operands(args(c)).map((w) => criticalFile(w, c.cwd, c.vars.vars)).find((x) => x !== null);
  return crit ? { rule: 'critical-file-delete', reason: `unlink deletes ${crit}` } : null;
};

const find: Detector = (c) => {
  const a = args(c);
  const execs = a.some((w, i) => /^-(exec|execdir|ok|okdir)$/.test(w.text) && DELETERS.has(basename(a[i + 1]?.text ?? '')));
  if (!execs && !a.some((w) => w.text === '-delete')) return null;
  const { starts, filtered } = findStart(a);
  return findDeleteHit(starts, filtered, c, execs ? 'find -exec rm' : 'find -delete');
};

/** cp/mv/install/ln destination: the last operand, or `-t DIR`. */
function destination(a: Word[]): { dest: Word | null; sources: Word[] } {
  const f = parseFlags(a, { '--target-directory': 't', '--suffix': 'S', '--mode': 'm', '--owner': 'o', '--group': 'g' }, new Set(['t', 'S', 'm', 'o', 'g', '--backup', '--reply']));
  const t = f.values.get('t');
  if (t !== undefined) return { dest: { text: t, dynamic: false, node: null }, sources: f.operands };
  return { dest: f.operands.at(-1) ?? null, sources: f.operands.slice(0, -1) };
}

const copyLike: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const { dest, sources } = destination(args(c));
  if (!dest) return null;
  if (DEVICE.test(dest.text)) return { rule: 'device-write', reason: `${name} writes onto ${dest.text}` };
  if (name === 'mv' || name === 'ln') {
    if (dest.text === '/dev/null') return { rule: 'mv-away', reason: `${name} replaces /dev/null` };
  }
  if (name === 'mv') {
    const { k, w } = worst(sources, c.cwd, c.vars.vars);
    if (k && k !== 'workspace') return { rule: 'mv-away', reason: `mv moves ${w!.text} away`, scope: targetScope(k) };
    const crit = sources.map((s) => criticalFile(s, c.cwd, c.vars.vars)).find((x) => x !== null);
    if (crit) return { rule: 'critical-file-delete', reason: `mv moves ${crit} away` };
  }
  const crit = criticalFile(dest, c.cwd, c.vars.vars);
  return crit ? { rule: 'critical-file-write', reason: `${name} overwrites ${crit}` } : null;
};

/** Writers whose operands are the files written: tee, truncate. */
const writesOperands: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const f = parseFlags(args(c), {}, new Set(['s', 'r', 'o', '--size', '--reference']));
  for (const w of f.operands) {
    if (DEVICE.test(w.text)) return { rule: 'device-write', reason: `${name} writes onto ${w.text}` };
    const crit = criticalFile(w, c.cwd, c.vars.vars);
    if (crit) return { rule: 'critical-file-write', reason: `${name} overwrites ${crit}` };
  }
  return null;
};

/** `sed -i` / `perl -i`: in-place edits of the file operands. */
const inPlace: Detector = (c) => {
  const a = args(c);
  if (!a.some((w) => /^-[a-zA-Z]*i/.test(w.text) || w.text.startsWith('--in-place'))) return null;
  const scriptGiven = a.some((w) => /^-[a-zA-Z]*[eE]$/.test(w.text) || w.text.startsWith('--expression'));
  const files = operands(a).slice(scriptGiven ? 0 : 1);
  const crit = files.map((w) => criticalFile(w, c.cwd, c.vars.vars)).find((x) => x !== null);
  return crit ? { rule: 'critical-file-write', reason: `${basename(c.argv[0]!.text)} -i edits ${crit}` } : null;
};

const dd: Detector = (c) => {
  const of = args(c).find((w) => w.text.startsWith('of='));
  if (!of) return null;
  const target = { ...of, text: of.text.slice(3) };
  if (DEVICE.test(target.text)) return { rule: 'dd-device', reason: `dd writes to ${target.text}` };
  const crit = criticalFile(target, c.cwd, c.vars.vars);
  return crit ? { rule: 'critical-file-write', reason: `dd overwrites ${crit}` } : null;
};

const rsync: Detector = (c) => {
  const a = args(c);
  if (!a.some((w) => w.text.startsWith('--del'))) return null;
  const dest = operands(a).at(-1);
  const k = dest ? classifyTarget(dest, c.cwd, c.vars.vars) : null;
  return dest && k && k !== 'workspace' ? { rule: 'rsync-delete', reason: `rsync --delete onto ${dest.text}`, scope: targetScope(k) } : null;
};

const archive: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const a = args(c);
  let dir: Word | undefined;
  if (name === 'unzip') { const i = a.findIndex((w) => w.text === '-d'); dir = i >= 0 ? a[i + 1] : undefined; }
  else {
    const first = a[0]?.text ?? '';
    const extract = /^-?[a-zA-Z]*x/.test(first) && !first.startsWith('--') || a.some((w) => w.text === '-x' || w.text === '--extract' || w.text === '--get' || /^-[a-zA-Z]*x[a-zA-Z]*$/.test(w.text));
    if (!extract) return null;
    const i = a.findIndex((w) => w.text === '-C' || w.text === '--directory');
    const eq = a.find((w) => w.text.startsWith('--directory='));
    dir = eq ? { ...eq, text: eq.text.slice(12) } : i >= 0 ? a[i + 1] : undefined;
  }
  const k = dir ? classifyTarget(dir, c.cwd, c.vars.vars) : null;
  return dir && k && k !== 'workspace' ? { rule: 'archive-overwrite', reason: `${name} extracts into ${dir.text}`, scope: targetScope(k) } : null;
};

const chmod: Detector = (c) => {
  const name = basename(c.argv[0]!.text);
  const f = parseFlags(args(c), { '--recursive': 'R' });
  if (!f.flags.has('R')) return null;
  const targets = f.flags.has('--reference') ? f.operands : f.operands.slice(1);
  const { k, w } = worst(targets, c.cwd, c.vars.vars);
  return k && k !== 'workspace' ? { rule: 'chmod-recursive', reason: `recursive ${name} of ${w!.text}`, scope: targetScope(k) } : null;
};

const shred: Detector = (c) => (args(c).every((w) => w.text === '--help' || w.text === '--version') ? null : { rule: 'shred', reason: 'shred overwrites files irrecoverably' });

/** Filesystem detectors by command key. */
export const FILE_DETECTORS: ReadonlyArray<[readonly string[], Detector]> = [
  [['rm', 'srm', 'wipe'], rm], [['unlink'], unlink], [['find'], find], [['cp', 'mv', 'install', 'ln'], copyLike], [['tee', 'truncate'], writesOperands],
  [['sed', 'perl'], inPlace], [['dd'], dd], [['rsync'], rsync], [['tar', 'gtar', 'bsdtar', 'unzip'], archive], [['chmod', 'chown', 'chgrp'], chmod], [['shred'], shred],
];
