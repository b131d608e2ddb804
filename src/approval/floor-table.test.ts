/**
 * The broad floor table (table/*.ts) through the classifier exactly as `exec` calls it: every
 * destructive row must be held in approval_mode "never" on the host, every benign look-alike must
 * pass the floor, and smart mode must never run a floor match unasked — on the host or in a
 * sandbox with any floor_in_sandbox setting. Per-category rates are printed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createClassifier, FLOOR_RULES, type Classifier, type ClassifierOptions } from './index.js';
import { FLOOR_TABLE } from './table/index.js';

/** The issue's targets: at least 95 % of destructive rows held, at most 2 % of benign rows flagged. */
const MIN_CAUGHT = 0.95;
const MAX_FLAGGED = 0.02;

let c: Classifier;
before(async () => { c = createClassifier(); await c.load(); });
after(() => c.close());

const pct = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)} %`;

describe('floor table', () => {
  it('holds the destructive rows and passes the look-alikes (per-category rates)', (t) => {
    let caught = 0; let total = 0; let flagged = 0; let benign = 0;
    const misses: string[] = [];
    const lines: string[] = ['category                          held           flagged look-alikes'];
    for (const s of FLOOR_TABLE) {
      const held = s.destructive.filter((cmd) => {
        const d = c.classifySync(cmd, { mode: 'never' });
        if (!(d.decision === 'ask' && d.floor)) misses.push(`MISS [${s.category}] ${JSON.stringify(cmd)}: ${d.reason}`);
        return d.decision === 'ask' && d.floor;
      }).length;
      const fl = s.benign.filter((cmd) => {
        const d = c.classifySync(cmd, { mode: 'never' });
        if (d.floor) misses.push(`FLAG [${s.category}] ${JSON.stringify(cmd)}: ${d.reason}`);
        return d.floor;
      }).length;
      caught += held; total += s.destructive.length; flagged += fl; benign += s.benign.length;
      lines.push(`${s.category.padEnd(32)} ${`${held}/${s.destructive.length}`.padStart(8)} ${pct(held, s.destructive.length).padStart(8)}   ${`${fl}/${s.benign.length}`.padStart(6)} ${pct(fl, s.benign.length).padStart(7)}`);
    }
    lines.push(`${'all'.padEnd(32)} ${`${caught}/${total}`.padStart(8)} ${pct(caught, total).padStart(8)}   ${`${flagged}/${benign}`.padStart(6)} ${pct(flagged, benign).padStart(7)}`);
    for (const l of [...lines, ...misses]) t.diagnostic(l);
    assert.ok(total >= 500 && benign >= 400, `the table has ${total} destructive and ${benign} benign rows`);
    assert.ok(caught / total >= MIN_CAUGHT, `held ${pct(caught, total)} of destructive rows (need ${MIN_CAUGHT * 100} %)\n${misses.join('\n')}`);
    assert.ok(flagged / benign <= MAX_FLAGGED, `flagged ${pct(flagged, benign)} of look-alikes (at most ${MAX_FLAGGED * 100} %)\n${misses.join('\n')}`);
  });

  it('smart mode never runs a floor match unasked, on the host or in any sandbox', () => {
    const contexts: ClassifierOptions[] = [
      { mode: 'smart' }, { mode: 'smart', sandbox: { network: false, floor: 'outside-effects' } }, { mode: 'smart', sandbox: { network: true, floor: 'outside-effects' } },
      { mode: 'smart', sandbox: { network: false, floor: 'off' } }, { mode: 'smart', sandbox: { network: true, floor: 'all' } },
    ];
    for (const s of FLOOR_TABLE) {
      for (const cmd of [...s.destructive, ...s.benign]) {
        if (!c.classifySync(cmd, { mode: 'never' }).floor) continue;
        for (const o of contexts) assert.equal(c.classifySync(cmd, o).decision, 'ask', `${JSON.stringify(cmd)} ran in ${JSON.stringify(o)}`);
      }
    }
  });

  it('every named rule is exercised by at least one destructive row', () => {
    const seen = new Set<string>();
    for (const s of FLOOR_TABLE) for (const cmd of s.destructive) { const r = c.classifySync(cmd, { mode: 'never' }).rule; if (r) seen.add(r); }
    assert.deepEqual(FLOOR_RULES.map((r) => r.id).filter((id) => !seen.has(id)), []);
  });

  it('the README says where each rule applies, exactly as the rules do', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const where = { host: 'host only', workspace: 'host + sandbox', remote: 'host + sandbox with network' } as const;
    for (const r of FLOOR_RULES) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${r.id}\` |`));
      assert.ok(row, `README has no row for ${r.id}`);
      const asks = row.split(' | ').at(-1)!.replace(/ \|$/, '');
      assert.ok(asks.startsWith(where[r.scope]) && (asks === where[r.scope] || (r.targeted === true && asks.includes('+ sandbox when the target'))), `${r.id}: README says "${asks}", the rule's scope is ${r.scope}`);
    }
  });
});
