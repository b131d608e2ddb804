/**
 * Where commands run. For now only the host runner; sandbox backends (bwrap, OCI, Apple
 * container) plug in behind the same `Runner` interface.
 */
export { createHostRunner, type Runner, type RunRequest, type RunResult } from './host.js';
