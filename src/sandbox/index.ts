/**
 * Where commands run: the `Runner` interface and its backends (host, bwrap, OCI, Apple container).
 * The only public surface.
 */
export { createHostRunner } from './host.js';
export type { Runner, RunRequest, RunResult, SandboxLimits } from './types.js';
export { SANDBOX_WORKSPACE, SANDBOX_HOME, SANDBOX_PROXY_SOCKET, SANDBOX_PROXY_PORT } from './types.js';
