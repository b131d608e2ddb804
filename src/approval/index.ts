/**
 * Command approval: the shell-command classifier (floor + smart rules, shared by `exec` and
 * `moltis approval check`), pending approval requests, and their RPC methods.
 */
export { createClassifier, parseApprovalMode, type ApprovalMode, type Classifier, type ClassifierOptions, type Decision, type FloorInSandbox, type SecurityLevel } from './classify.js';
export { FLOOR_RULES, type FloorRuleInfo, type SandboxContext, type Scope } from './floor.js';
export { HOOK_ENV } from './env.js';
export * from './pending.js';
export * from './rpc.js';
