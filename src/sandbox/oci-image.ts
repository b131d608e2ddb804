import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayEnv, runCaptured, type SpawnFn } from './capture.js';

/**
 * Label on an image whose tools are the host's `/usr`, mounted read-only when it runs (the offline
 * image). The runner reads it from the image, so a config cannot forget it.
 */
export const HOST_USR_LABEL = 'moltis.host-usr';
/** Label on every image `moltis sandbox image build` makes: `list` and `rm` touch only these. */
export const BUILT_LABEL = 'moltis.sandbox-image';
/** The shipped recipe of the full image (Debian slim + the tools an agent uses). */
export const SANDBOX_CONTAINERFILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/sandbox/Containerfile');
/** The Containerfile's base image: the online build needs it locally or from a registry. */
export const SANDBOX_BASE_IMAGE = 'docker.io/library/debian:bookworm-slim';

/** How to reach the engine: the same engine and `oci_args` as the gateway, so it builds into the storage the gateway runs from. */
export interface OciEngine {
  engine: 'podman' | 'docker';
  globalArgs: string[];
  /** Binary; default the engine name. */
  enginePath?: string;
  spawn?: SpawnFn;
}

/** Options of {@link buildSandboxImage}. */
export interface BuildImageOptions extends OciEngine {
  tag: string;
  /** `offline`: the host-/usr image, no registry; `containerfile`: the full image; `auto`: containerfile when the base image can be had, else offline. */
  mode: 'auto' | 'offline' | 'containerfile';
  /** Progress lines. */
  progress: (line: string) => void;
}

const call = (e: OciEngine, args: string[], timeoutMs = 120_000) =>
  runCaptured({ file: e.enginePath ?? e.engine, args: [...e.globalArgs, ...args], env: gatewayEnv(), timeoutMs, maxBytes: 1024 * 1024, spawn: e.spawn });
const lastLine = (s: string, code: number | null) => s.trim().split('\n').slice(-1)[0] || `exit ${code}`;

/** Runs the engine with its output streamed to `progress` line by line (builds and pulls take minutes). */
function stream(e: OciEngine, args: string[], progress: (l: string) => void, timeoutMs = 30 * 60_000): Promise<{ code: number | null; last: string }> {
  return new Promise((res) => {
    const p = spawn(e.enginePath ?? e.engine, [...e.globalArgs, ...args], { env: gatewayEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let last = '';
    // A registry that black-holes packets would otherwise keep the command waiting for ever.
    const timer = setTimeout(() => { last = `no answer within ${Math.round(timeoutMs / 1000)} s`; p.kill('SIGKILL'); }, timeoutMs);
    p.on('close', () => clearTimeout(timer));
    const onData = (b: Buffer) => { for (const l of b.toString('utf8').split('\n')) if (l.trim()) { last = l.trim(); progress(`  ${l.trimEnd()}`); } };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', (err) => res({ code: null, last: String(err.message) }));
    p.on('close', (code) => res({ code, last }));
  });
}

/** Whether `image` carries {@link HOST_USR_LABEL}; false when it cannot be inspected (the run then fails on its own). */
export async function imageWantsHostUsr(e: OciEngine, image: string): Promise<boolean> {
  const r = await call(e, ['image', 'inspect', '--format', '{{json .Config.Labels}}', image], 30_000);
  if (r.exitCode !== 0) return false;
  try { return (JSON.parse(r.stdout.trim() || 'null') as Record<string, string> | null)?.[HOST_USR_LABEL] === '1'; } catch { return false; }
}

/**
 * The offline image's root: /bin, /sbin, /lib, /lib64 link into /usr (the host's, mounted read-only
 * at run time), a sticky /tmp, a minimal /etc naming uid 65534, and /workspace and /home/sandbox
 * owned by it. Nothing of the host is copied in.
 */
export function writeOfflineRootfs(root: string): void {
  for (const d of ['usr', 'etc', 'tmp', 'run/moltis', 'workspace', 'home/sandbox', 'proc', 'sys', 'dev', 'root', 'var/tmp']) mkdirSync(join(root, d), { recursive: true });
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${l}`, join(root, l));
  // runc keeps an existing directory's mode under a tmpfs mount: /tmp must be sticky and world-writable here.
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:sandbox:/home/sandbox:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  // Only root can hand files to 65534; a rootless engine maps them anyway at run time (the runner chowns mounts).
  if (process.getuid?.() === 0) for (const d of ['workspace', 'home/sandbox']) chownSync(join(root, d), 65534, 65534);
}

/** Builds the sandbox image `o.tag`; resolves to the mode used. Throws with what failed and how to fix it. */
export async function buildSandboxImage(o: BuildImageOptions): Promise<'offline' | 'containerfile'> {
  let mode = o.mode;
  if (mode === 'auto') {
    o.progress(`checking for the base image ${SANDBOX_BASE_IMAGE} ...`);
    const have = (await call(o, ['image', 'inspect', '--format', '{{.Id}}', SANDBOX_BASE_IMAGE], 30_000)).exitCode === 0;
    const pulled = have || (await stream(o, ['pull', SANDBOX_BASE_IMAGE], o.progress, 5 * 60_000)).code === 0;
    mode = pulled ? 'containerfile' : 'offline';
    if (!pulled) o.progress(`no registry reachable: building the offline image (tools from the host's /usr, mounted read-only)`);
  }
  if (mode === 'containerfile') {
    if (!existsSync(SANDBOX_CONTAINERFILE)) throw new Error(`the Containerfile is missing at ${SANDBOX_CONTAINERFILE}: reinstall moltis, or use --offline`);
    o.progress(`building ${o.tag} from ${SANDBOX_CONTAINERFILE} ...`);
    // Never a pull during the build: the base image was checked (or pulled) above. Docker's --pull is a boolean.
    const r = await stream(o, ['build', o.engine === 'podman' ? '--pull=never' : '--pull=false', '--label', `${BUILT_LABEL}=1`, '-t', o.tag, '-f', SANDBOX_CONTAINERFILE, dirname(SANDBOX_CONTAINERFILE)], o.progress);
    if (r.code !== 0) throw new Error(`${o.engine} build failed: ${r.last}. Fix: check oci_args and that ${SANDBOX_BASE_IMAGE} is present, or use --offline`);
    o.progress(`built ${o.tag}`);
    return 'containerfile';
  }
  const work = mkdtempSync(join(tmpdir(), 'moltis-sbx-image-'));
  try {
    const root = join(work, 'root');
    o.progress('writing the offline root filesystem ...');
    writeOfflineRootfs(root);
    const tar = join(work, 'root.tar');
    const t = await runCaptured({ file: 'tar', args: ['--numeric-owner', '-C', root, '-cf', tar, '.'], env: gatewayEnv(), timeoutMs: 60_000, maxBytes: 64 * 1024 });
    if (t.exitCode !== 0) throw new Error(`tar failed: ${lastLine(t.stderr, t.exitCode)}`);
    o.progress(`importing ${o.tag} into ${o.engine} ...`);
    const imp = await call(o, ['import', '--change', `LABEL ${HOST_USR_LABEL}=1`, '--change', `LABEL ${BUILT_LABEL}=1`, '--change', 'CMD ["/bin/sh"]', tar, o.tag]);
    if (imp.exitCode !== 0) throw new Error(`${o.engine} import failed: ${lastLine(imp.stderr, imp.exitCode)}. Fix: check oci_args (e.g. --runtime, --storage-driver)`);
    o.progress(`built ${o.tag} (offline: commands use the host's /usr, mounted read-only)`);
    return 'offline';
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One built image. */
export interface SandboxImageInfo { name: string; id: string; size: string; created: string; hostUsr: boolean }

/** The images `moltis sandbox image build` made in this engine's storage. */
export async function listSandboxImages(e: OciEngine): Promise<SandboxImageInfo[]> {
  const r = await call(e, ['images', '--filter', `label=${BUILT_LABEL}=1`, '--format', '{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.CreatedSince}}'], 30_000);
  if (r.exitCode !== 0) throw new Error(`${e.engine} images failed: ${lastLine(r.stderr, r.exitCode)}. Fix: check oci_args`);
  const out: SandboxImageInfo[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [name = '', id = '', size = '', created = ''] = line.split('\t');
    out.push({ name, id, size, created, hostUsr: await imageWantsHostUsr(e, id) });
  }
  return out;
}

/** Removes a built image; refuses an image this command did not build (it is someone else's). */
export async function removeSandboxImage(e: OciEngine, image: string): Promise<void> {
  const i = await call(e, ['image', 'inspect', '--format', '{{json .Config.Labels}}', image], 30_000);
  if (i.exitCode !== 0) throw new Error(`no image ${image} in this ${e.engine} storage: see \`moltis sandbox image list\``);
  // Fail closed: only images carrying our build label are ours to remove.
  if (!i.stdout.includes(`"${BUILT_LABEL}":"1"`)) throw new Error(`${image} was not built by \`moltis sandbox image build\`: remove it with ${e.engine} itself`);
  const r = await call(e, ['rmi', image], 60_000);
  if (r.exitCode !== 0) throw new Error(`${e.engine} rmi failed: ${lastLine(r.stderr, r.exitCode)}`);
}
