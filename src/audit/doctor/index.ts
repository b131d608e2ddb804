/**
 * `moltis doctor`: runs every check over gathered facts, orders findings by severity and maps
 * them to an exit code (0 = nothing above info, 1 = warnings, 2 = critical).
 */
import { CONFIG_CHECKS } from './config-checks.js';
import { HOST_CHECKS } from './host-checks.js';
import type { DoctorFacts, Finding, Severity } from './types.js';

export type { DoctorFacts, Finding, Severity, Check } from './types.js';
export { opensFloorWholesale } from './config-checks.js';

const RANK: Record<Severity, number> = { critical: 0, warn: 1, info: 2 };

/** All findings, most severe first (stable within a severity: check order). */
export function runDoctor(f: DoctorFacts): Finding[] {
  return [...CONFIG_CHECKS, ...HOST_CHECKS].flatMap((c) => c(f)).sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/** 2 when anything is critical, 1 for warnings, else 0. */
export function doctorExitCode(findings: readonly Finding[]): 0 | 1 | 2 {
  return findings.some((x) => x.severity === 'critical') ? 2 : findings.some((x) => x.severity === 'warn') ? 1 : 0;
}

/** One line for the gateway's start-up banner. */
export function doctorSummary(findings: readonly Finding[]): string {
  const n = (s: Severity) => findings.filter((x) => x.severity === s).length;
  if (n('critical') + n('warn') === 0) return 'doctor: no security warnings';
  const ids = findings.filter((x) => x.severity !== 'info').map((x) => x.id);
  return `doctor: ${n('critical')} critical, ${n('warn')} warning(s) (${[...new Set(ids)].join(', ')}); run \`moltis doctor\` for fixes`;
}
