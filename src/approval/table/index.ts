/**
 * The floor's broad test table, by category. Used by the floor-table unit test (through the
 * classifier, exactly as `exec` calls it) and by the bench (classification speed).
 */
import { CLOUD } from './cloud.js';
import { CONTAINERS } from './containers.js';
import { CORE } from './core.js';
import { CRITICAL_FILES } from './critical-files.js';
import { DATABASES } from './databases.js';
import { DISKS_PROCESSES } from './disks-processes.js';
import { EVERYDAY } from './everyday.js';
import { EXPANSION } from './expansion.js';
import { GIT } from './git.js';
import { INDIRECTION } from './indirection.js';
import { INTERPRETERS } from './interpreters.js';
import { MULTI_LINE } from './multi-line.js';
import type { TableSection } from './types.js';

export type { TableSection } from './types.js';

/** Every section of the table. */
export const FLOOR_TABLE: readonly TableSection[] = [CORE, INTERPRETERS, INDIRECTION, GIT, DATABASES, CRITICAL_FILES, CONTAINERS, CLOUD, DISKS_PROCESSES, MULTI_LINE, EXPANSION, EVERYDAY];
