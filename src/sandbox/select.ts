import { SANDBOX_BACKENDS, type SandboxBackendName } from '../config/index.js';
import type { SpawnFn } from './capture.js';
import { createAppleContainerRunner, probeAppleContainer } from './apple.js';
import { createBwrapRunner, probeBwrap } from './bwrap.js';
import { createHostRunner } from './host.js';
import { createOciRunner, probeOci, type OciProbe } from './oci.js';
import type { Runner, SandboxLimits } from './types.js';

/** `[tools.exec.sandbox] backend` (the list is the config schema's: one definition). */
export type SandboxBackend = SandboxBackendName;
type Verdict = { ok: boolean; reason: string };

/** Probes, injectable for tests. Each must actually try the backend, not just look for a binary. */
export interface SandboxProbes {
  bwrap?: () => Promise<Verdict>;
  oci?: (engine: 'podman' | 'docker') => Promise<OciProbe>;
  apple?: () => Promise<Verdict>;
}

/** Options of {@link createSandbox}. */
export interface CreateSandboxOptions {
  enabled: boolean;
  backend: SandboxBackend;
  limits: SandboxLimits;
  /** OCI / Apple container image (never pulled). */
  image: string;
  /** Global args of every OCI engine call (`oci_args`). */
  ociArgs: string[];
  /** Where the choice (level "info") and a fallback (level "warn") are reported. Default stderr. */
  log?: (msg: string, level?: 'info' | 'warn') => void;
  probe?: SandboxProbes;
  /** Identity of the gateway (its data dir): OCI containers are named and swept per instance. */
  instance?: string;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  spawn?: SpawnFn;
}

/** The runner to use and why. `fallback` = nothing isolates here: the caller must require approval for every command. */
export interface SandboxChoice {
  runner: Runner;
  chosen: string;
  reason: string;
  fallback: boolean;
  /** False when the backend cannot cut the network (Apple container): commands can reach it. */
  networkIsolated?: boolean;
}

/** Said at start-up whenever the Apple backend is chosen. */
const APPLE_NETWORK_WARNING = 'apple-container cannot remove the network: commands in it CAN reach the network and the host (files and processes are still isolated); use bwrap, podman or docker for network = "none"';

const FIX: Record<string, string> = {
  bwrap: 'install bubblewrap (apt install bubblewrap; a gateway running as root also needs util-linux\'s unshare, nsenter and setpriv) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or pick another backend',
  podman: 'install podman and build/import the image locally (it is never pulled), check oci_args (e.g. --runtime, --storage-driver), or pick another backend',
  docker: 'install docker, make sure the daemon runs and the image exists locally (it is never pulled), or pick another backend',
  'apple-container': 'install Apple container on macOS 26+ and run `container system start`, or pick another backend',
};

/**
 * Chooses where commands run, once at start. An explicit backend that does not work throws (with
 * what failed and how to fix it) — never a silent downgrade. `auto` takes the strongest that
 * actually works here: an OCI engine with the image present, else bwrap, else Apple container on
 * macOS; when none works it warns loudly and returns the host runner with `fallback: true`.
 */
export async function createSandbox(o: CreateSandboxOptions): Promise<SandboxChoice> {
  const log = o.log ?? ((m: string, level?: string) => { process.stderr.write(`${level === 'warn' ? 'WARNING: ' : ''}${m}\n`); });
  const platform = o.platform ?? process.platform;
  const probes = {
    bwrap: o.probe?.bwrap ?? (() => probeBwrap({ spawn: o.spawn })),
    oci: o.probe?.oci ?? ((engine: 'podman' | 'docker') => probeOci({ engine, globalArgs: o.ociArgs, image: o.image, spawn: o.spawn })),
    apple: o.probe?.apple ?? (() => probeAppleContainer({ spawn: o.spawn })),
  };
  const make = {
    bwrap: (): Runner => createBwrapRunner({ limits: o.limits, spawn: o.spawn }),
    oci: (engine: 'podman' | 'docker'): Runner => createOciRunner({ engine, globalArgs: o.ociArgs, image: o.image, limits: o.limits, spawn: o.spawn, log: (m) => log(m), ...(o.instance ? { instance: o.instance } : {}) }),
    apple: (): Runner => createAppleContainerRunner({ image: o.image, limits: o.limits, spawn: o.spawn }),
  };
  const picked = (runner: Runner, chosen: string, reason: string): SandboxChoice => {
    log(`sandbox: using ${chosen} (${reason})`, 'info');
    // Apple's `container` has no "no network" mode (--no-dns only drops DNS): say so, never pretend.
    if (chosen === 'apple-container') log(`sandbox: ${APPLE_NETWORK_WARNING}`, 'warn');
    return { runner, chosen, reason, fallback: false, ...(chosen === 'apple-container' ? { networkIsolated: false } : {}) };
  };
  const broken = (name: string, reason: string): never => {
    throw new Error(`sandbox backend "${name}" does not work on this machine: ${reason}. Fix: ${FIX[name] ?? 'pick another backend'}.`);
  };

  if (!o.enabled || o.backend === 'none') {
    const reason = o.enabled ? 'backend = "none": commands run on the host' : 'sandbox disabled: commands run on the host';
    log(`sandbox: ${reason}`, 'info');
    return { runner: createHostRunner({ spawn: o.spawn }), chosen: 'none', reason, fallback: false };
  }
  switch (o.backend) {
    case 'bwrap': {
      const p = await probes.bwrap();
      return p.ok ? picked(make.bwrap(), 'bwrap', p.reason) : broken('bwrap', p.reason);
    }
    case 'podman': case 'docker': {
      const p = await probes.oci(o.backend);
      return p.ok ? picked(make.oci(o.backend), o.backend, p.reason) : broken(o.backend, p.reason);
    }
    case 'oci': {
      const tried: string[] = [];
      for (const engine of ['podman', 'docker'] as const) {
        const p = await probes.oci(engine);
        if (p.ok) return picked(make.oci(engine), engine, p.reason);
        tried.push(`${engine}: ${p.reason}`);
      }
      return broken('podman', tried.join('; '));
    }
    case 'apple-container': {
      const p = await probes.apple();
      return p.ok ? picked(make.apple(), 'apple-container', p.reason) : broken('apple-container', p.reason);
    }
    case 'auto': {
      const tried: string[] = [];
      // Probed at once (each is a few engine calls); picked in order of strength.
      const [pod, dock, b] = await Promise.all([probes.oci('podman'), probes.oci('docker'), probes.bwrap()]);
      for (const [engine, p] of [['podman', pod], ['docker', dock]] as const) {
        if (p.ok) return picked(make.oci(engine), engine, `auto: ${p.reason}`);
        tried.push(`${engine}: ${p.reason}`);
      }
      // An engine that works without its image is one command away from the strongest backend: say which.
      const buildable = [pod, dock].find((p) => p.missingImage);
      if (buildable) log(`hint: ${buildable.engine} works but image ${o.image} is missing: build it with \`moltis sandbox image build --backend ${buildable.engine}\``, 'info');
      if (b.ok) return picked(make.bwrap(), 'bwrap', `auto: ${b.reason}; no OCI engine with image ${o.image} (${tried.join('; ')})`);
      tried.push(`bwrap: ${b.reason}`);
      if (platform === 'darwin') {
        const a = await probes.apple();
        if (a.ok) return picked(make.apple(), 'apple-container', `auto: ${a.reason}`);
        tried.push(`apple-container: ${a.reason}`);
      }
      const reason = `no sandbox backend works here (${tried.join('; ')}); commands run UNSANDBOXED on the host and every command needs approval. Fix: ${FIX.bwrap}`;
      log(`sandbox: ${reason}`, 'warn');
      return { runner: createHostRunner({ spawn: o.spawn }), chosen: 'host', reason, fallback: true };
    }
    default:
      throw new Error(`unknown sandbox backend "${String(o.backend)}": expected one of ${SANDBOX_BACKENDS.join(', ')}`);
  }
}
