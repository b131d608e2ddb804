import type { SimpleCmd } from '../simple-cmd.js';
import type { Scope } from './meta.js';

/** A detector's finding: the rule id (from meta.ts), why, and the scope when it differs from the rule's. */
export interface Hit { rule: string; reason: string; scope?: Scope }

/** Looks at one normalized command; returns the rule it breaks, if any. */
export type Detector = (c: SimpleCmd) => Hit | null;
