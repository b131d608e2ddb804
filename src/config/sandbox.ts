/**
 * `[tools.exec.sandbox]`: where commands run and what bounds them. Its defaults and schema live
 * here (imported by schema.ts into the one defaults object and the one schema); the backend list
 * is defined here once and imported by sandbox/ and everything else that names backends.
 */
import { z } from 'zod';
import { checked, IMAGE_REF_RE, memoryProblem, sizeProblem, trustedDomainProblem } from './checks.js';

/** Sandbox backends: "auto" probes for the strongest that works; "none" runs on the host. */
export const SANDBOX_BACKENDS = ['auto', 'bwrap', 'oci', 'podman', 'docker', 'apple-container', 'none'] as const;
export type SandboxBackendName = typeof SANDBOX_BACKENDS[number];

/** Network modes: "none" cuts the network; "trusted" reaches trusted_domains through the egress proxy only. */
export const NETWORK_MODES = ['none', 'trusted'] as const;
export type NetworkMode = typeof NETWORK_MODES[number];

const MiB = 1024 ** 2;

// Comments here record decisions; user-facing explanations live in example.ts.
export const SANDBOX_DEFAULTS = {
  enabled: true,
  backend: 'auto' as SandboxBackendName,
  image: 'localhost/moltis-sandbox:latest',
  oci_args: [] as string[], // extra global engine arguments, e.g. ["--runtime", "/usr/sbin/runc"]
  resource_limits: {
    memory_limit: '512M',
    cpu_quota: 1.0,
    pids_max: 256,
    // RLIMIT_FSIZE: one runaway write stops here instead of at a full disk.
    file_size_limit: '1G',
    // Workspace + home of one session together: many files under the size limit still stop.
    disk_limit: '2G',
  },
  network: 'none' as NetworkMode, // the brief: no network by default
  trusted_domains: [] as string[],
};

const D = SANDBOX_DEFAULTS;

const resourceLimitsSchema = z.strictObject({
  memory_limit: checked(memoryProblem).prefault(D.resource_limits.memory_limit),
  cpu_quota: z.number().min(0.01).max(1024).prefault(D.resource_limits.cpu_quota),
  pids_max: z.int().min(8).max(1_000_000).prefault(D.resource_limits.pids_max),
  file_size_limit: checked(sizeProblem(MiB, 'smaller files break ordinary tools')).prefault(D.resource_limits.file_size_limit),
  disk_limit: checked(sizeProblem(16 * MiB, 'a workspace needs room to work')).prefault(D.resource_limits.disk_limit),
});

/**
 * The table's schema. `no_network` is the brief's spelling of `network = "none"`; it is folded
 * into `network` (consumers read `network` only) and may never contradict it.
 */
export { IMAGE_REF_RE };

export const sandboxSchema = z.strictObject({
  enabled: z.boolean().prefault(D.enabled),
  backend: z.enum(SANDBOX_BACKENDS).prefault(D.backend),
  // An image reference, never something an engine could read as a flag.
  image: z.string().min(1).max(512).regex(IMAGE_REF_RE, 'expected an image reference like "localhost/moltis-sandbox:latest"').prefault(D.image),
  oci_args: z.array(z.string().min(1).max(1000)).prefault(() => [...D.oci_args]),
  resource_limits: resourceLimitsSchema.prefault({}),
  network: z.enum(NETWORK_MODES).optional(),
  no_network: z.boolean().optional(),
  trusted_domains: z.array(checked(trustedDomainProblem).transform((d) => d.toLowerCase())).prefault(() => [...D.trusted_domains]),
})
  .superRefine((s, ctx) => {
    // Two keys saying opposite things about the network: refuse rather than guess which one wins.
    if (s.no_network === true && s.network === 'trusted') {
      ctx.addIssue({ code: 'custom', path: ['no_network'], input: s.no_network, message: 'no_network = true contradicts network = "trusted": keep one of them (no_network = true means network = "none")' });
    }
    if (s.no_network === false && s.network !== 'trusted') {
      // "Some network" is not a mode: the only network a sandbox gets is the filtering proxy, chosen explicitly.
      const why = s.network === 'none' ? 'contradicts network = "none"' : 'does not choose a network mode';
      ctx.addIssue({ code: 'custom', path: ['no_network'], input: s.no_network, message: `no_network = false ${why}: set network = "trusted" (only trusted_domains, through the filtering proxy) or remove no_network` });
    }
  })
  .transform(({ no_network, network, ...s }) => ({ ...s, network: network ?? (no_network ? 'none' : D.network) }));
