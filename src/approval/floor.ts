import type { FloorInSandbox } from '../config/index.js';
import type { FloorHit } from './rules/index.js';

export { FLOOR_RULES, floorHits, type FloorHit, type FloorRuleInfo, type Scope } from './rules/index.js';

/** Where the command runs, for the floor: absent = on the host. */
export interface SandboxContext {
  /** The sandbox can reach a network (trusted mode, or a backend that cannot cut it). */
  network: boolean;
  /** `[tools.exec] floor_in_sandbox`. */
  floor: FloorInSandbox;
}

/**
 * Does a floor match still ask here? On the host, always. In a sandbox with "outside-effects":
 * rules whose effect reaches the workspace (the owner's real directory, its git history and
 * remotes) always; rules acting on remote systems only when the sandbox has network.
 */
export function floorApplies(hit: FloorHit, sandbox: SandboxContext | undefined): boolean {
  if (!sandbox || sandbox.floor === 'all') return true;
  if (sandbox.floor === 'off') return false;
  return hit.scope === 'workspace' || (hit.scope === 'remote' && sandbox.network);
}
