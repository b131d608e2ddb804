/**
 * Prints the benchmark figures: a markdown table (default) or JSON (`--json`), plus the machine.
 */
import { cpus, platform, arch } from 'node:os';
import type { Runtime } from './children.js';

/** One figure: our number next to the baseline from the same run. */
export interface Row {
  figure: string;
  unit: 'req/s' | 'ops/s' | 'ms' | 'MB';
  moltis: number;
  baseline: number;
  /** Failed requests seen during the load (both servers); a non-zero count is shown. */
  errors?: number;
  digits: number;
}

/** A section (or one figure) that could not run here, and why: the rest of the run goes on. */
export interface Skipped { section: string; reason: string }

const fmt = (n: number, digits: number) => Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';

/** Writes the report to stdout. */
export function printReport(o: { rows: Row[]; skipped?: Skipped[]; runtime: Runtime; params: object; elapsedMs: number; json: boolean }): void {
  const skipped = o.skipped ?? [];
  const cpu = cpus();
  const machine = { node: process.version, platform: `${platform()} ${arch()}`, cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown' };
  if (o.json) {
    const rows = o.rows.map((r) => ({ figure: r.figure, unit: r.unit, moltis: r.moltis, baseline: r.baseline, ratio: r.moltis / r.baseline, errors: r.errors ?? 0 }));
    process.stdout.write(`${JSON.stringify({ machine, runtime: o.runtime.note, params: o.params, elapsedMs: o.elapsedMs, rows, skipped }, null, 2)}\n`);
    return;
  }
  const lines = ['| figure | moltis | baseline | ratio |', '|---|---:|---:|---:|'];
  for (const r of o.rows) {
    const err = r.errors ? ` (${r.errors} errors)` : '';
    lines.push(`| ${r.figure} | ${fmt(r.moltis, r.digits)}${err} | ${fmt(r.baseline, r.digits)} | ${fmt(r.moltis / r.baseline, 2)}× |`);
  }
  if (skipped.length) lines.push('', ...skipped.map((x) => `- ${x.section}: skipped: ${x.reason}`));
  lines.push('', `ratio = moltis ÷ baseline. Machine: node ${machine.node}, ${machine.platform}, ${machine.cpus} CPUs (${machine.cpuModel}). Gateway: ${o.runtime.note}. Run took ${(o.elapsedMs / 1000).toFixed(1)} s.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
