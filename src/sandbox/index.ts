/**
 * Where commands run: the `Runner` interface and its backends (host, bwrap, OCI, Apple container).
 * The only public surface.
 */
export { createHostRunner } from './host.js';
export { createBwrapRunner, probeBwrap } from './bwrap.js';
export type { BwrapOptions } from './bwrap.js';
export { createSandbox } from './select.js';
export type { CreateSandboxOptions, SandboxBackend, SandboxChoice, SandboxProbes } from './select.js';
export { createAppleContainerRunner, probeAppleContainer } from './apple.js';
export type { AppleRunnerOptions } from './apple.js';
export { createOciRunner, probeOci } from './oci.js';
export type { OciRunnerOptions, OciProbe, OciProbeOptions } from './oci.js';
export type { Runner, RunRequest, RunResult, SandboxLimits } from './types.js';
export { SANDBOX_WORKSPACE, SANDBOX_HOME, SANDBOX_PROXY_SOCKET, SANDBOX_PROXY_PORT } from './types.js';
export { buildSandboxImage, listSandboxImages, removeSandboxImage, HOST_USR_LABEL, SANDBOX_CONTAINERFILE } from './oci-image.js';
export type { BuildImageOptions, OciEngine, SandboxImageInfo } from './oci-image.js';
