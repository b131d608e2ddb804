/**
 * Command approval: the shell-command classifier (floor + smart rules, shared by `exec` and
 * `moltis approval check`), pending approval requests, and their RPC methods.
 */
export { createClassifier, parseApprovalMode, type ApprovalMode, type Classifier, type ClassifierOptions, type Decision } from './classify.js';
export { FLOOR_RULES } from './floor.js';
export * from './pending.js';
export * from './rpc.js';
