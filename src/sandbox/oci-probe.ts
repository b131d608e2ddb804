import { HOST_USR_LABEL } from './oci-image.js';
import { gatewayEnv, runCaptured, type SpawnFn } from './capture.js';

/** What to check. */
export interface OciProbeOptions {
  /** Default podman. */
  engine?: 'podman' | 'docker';
  enginePath?: string;
  globalArgs: string[];
  image: string;
  spawn?: SpawnFn;
}

/** The verdict: `ok` when a container of `image` runs; `proxyBridge` when the image has socat (trusted network mode). */
export interface OciProbe {
  ok: boolean;
  engine?: 'podman' | 'docker';
  reason: string;
  proxyBridge?: boolean;
  /** The engine works but the image is not in its storage (`moltis sandbox image build` makes it). */
  missingImage?: boolean;
}

/**
 * Checks, without pulling anything, that the OCI backend can work: the engine binary runs, the
 * image exists locally (so daemon/storage are usable with `globalArgs`), and a
 * trivial `run --rm --pull never --network none` of it succeeds. Also reports whether the image
 * has `socat`, which trusted network mode needs for its in-container proxy bridge.
 */
export async function probeOci(o: OciProbeOptions): Promise<OciProbe> {
  const engine = o.engine ?? 'podman';
  const bin = o.enginePath ?? engine;
  const env = gatewayEnv();
  const call = (args: string[], timeoutMs = 30_000) =>
    runCaptured({ file: bin, args, env, timeoutMs, maxBytes: 64 * 1024, spawn: o.spawn });
  const why = (r: { stderr: string; exitCode: number | null }) => r.stderr.trim().split('\n').slice(-1)[0] || `exit ${r.exitCode}`;

  const v = await call(['--version'], 10_000);
  if (v.exitCode !== 0) return { ok: false, reason: `${bin} not runnable: ${why(v)}` };
  // No separate `info`: inspecting the image already needs a working engine and storage, and each
  // engine call costs ~0.1-0.3 s of start-up.
  const img = await call([...o.globalArgs, 'image', 'inspect', '--format', '{{json .Config.Labels}}', o.image]);
  if (img.exitCode !== 0) return { ok: false, engine, missingImage: true, reason: `image ${o.image} not present locally (never pulled; build it with \`moltis sandbox image build --backend ${engine}\`): ${why(img)}` };
  // The offline image has no programs of its own: it runs on the host's /usr, read-only.
  const hostUsr = img.stdout.includes(`"${HOST_USR_LABEL}":"1"`) ? ['-v', `/usr:/usr:${engine === 'docker' ? 'ro' : 'ro,nosuid,nodev'}`] : [];
  const run = await call([...o.globalArgs, 'run', '--rm', '--pull', 'never', '--network', 'none',
    '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', ...hostUsr, o.image,
    '/bin/sh', '-c', 'command -v socat >/dev/null && echo socat; true'], 60_000);
  if (run.exitCode !== 0) return { ok: false, engine, reason: `${engine} run of ${o.image} failed: ${why(run)}` };
  const proxyBridge = run.stdout.includes('socat');
  return {
    ok: true, engine, proxyBridge,
    reason: proxyBridge ? `${engine} runs ${o.image}` : `${engine} runs ${o.image}; no socat in the image: trusted network mode unavailable`,
  };
}
