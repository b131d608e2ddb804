import type { Analysis, SimpleCmd } from '../simple-cmd.js';
import { commandKey } from '../words.js';
import { DATA_DETECTORS } from './data.js';
import { FILE_DETECTORS } from './files.js';
import { GIT_DETECTORS } from './git.js';
import { INFRA_DETECTORS } from './infra.js';
import { FLOOR_RULES, type Scope } from './meta.js';
import { criticalFile, DEVICE } from './paths.js';
import { EVERY_COMMAND } from './run.js';
import { SYSTEM_DETECTORS } from './system.js';
import type { Detector } from './types.js';

export { FLOOR_RULES, type FloorRuleInfo, type Scope } from './meta.js';

/** A floor match: the named rule, why, the command (null for script-wide shapes), and where its effect lands. */
export interface FloorHit { rule: string; reason: string; cmd: SimpleCmd | null; scope: Scope }

const INFO = new Map(FLOOR_RULES.map((r) => [r.id, r]));

/** Detectors by command key, then those run on every command, in reporting order; built once. */
const BY_KEY: ReadonlyMap<string, readonly Detector[]> = (() => {
  const m = new Map<string, Detector[]>();
  for (const [keys, d] of [...FILE_DETECTORS, ...GIT_DETECTORS, ...DATA_DETECTORS, ...INFRA_DETECTORS, ...SYSTEM_DETECTORS]) {
    for (const k of keys) m.set(k, [...(m.get(k) ?? []), d]);
  }
  for (const [k, ds] of m) m.set(k, [...ds, ...EVERY_COMMAND]);
  return m;
})();

function scopeOf(rule: string, given: Scope | undefined, remote: boolean): Scope {
  const info = INFO.get(rule);
  if (!info) throw new Error(`floor detector returned unknown rule ${rule}`);
  // Whatever runs over ssh acts on another machine.
  if (remote) return 'remote';
  // Only path rules marked `targeted` change scope with their target.
  return info.targeted && given ? given : info.scope;
}

function add(hits: FloorHit[], rule: string, reason: string, cmd: SimpleCmd | null, remote: boolean, scope?: Scope): void {
  hits.push({ rule, reason, cmd, scope: scopeOf(rule, scope, remote) });
}

/** Every floor rule that fires anywhere in the analysed script. */
export function floorHits(a: Analysis): FloorHit[] {
  const hits: FloorHit[] = [];
  for (const f of a.functions) if (f.bomb) add(hits, 'fork-bomb', `function \`${f.name}\` calls itself in the background or a pipe`, null, false);
  for (const h of a.hookEnv) add(hits, 'dangerous-env', `sets ${h.name} for the commands that follow (makes them load other code)`, null, h.remote);
  for (const r of a.redirects) {
    if (!r.write || !r.target) continue;
    if (DEVICE.test(r.target.text)) { add(hits, 'device-write', `redirects output onto ${r.target.text}`, null, r.remote); continue; }
    const crit = criticalFile(r.target, r.cwd, a.vars.vars);
    if (crit) add(hits, 'critical-file-write', `redirection \`${r.op}\` overwrites ${crit}`, null, r.remote);
  }
  for (const c of a.cmds) {
    const key = c.argv[0] ? commandKey(c.argv[0].text) : '';
    // `terraform destroy --help` prints help and acts on nothing.
    const help = c.argv.some((w) => w.text === '--help');
    for (const d of help ? EVERY_COMMAND : BY_KEY.get(key) ?? EVERY_COMMAND) {
      const h = d(c);
      if (h) add(hits, h.rule, h.reason, c, c.remote, h.scope);
    }
  }
  return hits;
}
