/**
 * `moltis sandbox image ...`: the image commands use the gateway's own config — its engine, its
 * `oci_args` (so the image lands in the storage the gateway runs from) and its default image name.
 */
import { IMAGE_REF_RE, type Config } from '../config/index.js';
import { buildSandboxImage, listSandboxImages, removeSandboxImage, type OciEngine, type SandboxImageInfo } from '../sandbox/index.js';

/** The engine an image command talks to: `--backend`, else the configured podman/docker, else podman. */
export function sandboxImageEngine(config: Config, backend?: string): OciEngine {
  const sb = config.tools.exec.sandbox;
  const wanted = backend ?? (sb.backend === 'docker' ? 'docker' : 'podman');
  if (wanted !== 'podman' && wanted !== 'docker') throw new Error(`--backend must be podman or docker, not "${wanted}"`);
  return { engine: wanted, globalArgs: [...sb.oci_args] };
}

/** The image name to act on: `tag` (checked like the config's, so it can never be read as an engine flag) or the configured one. */
function imageName(config: Config, tag?: string): string {
  if (tag !== undefined && (tag.length > 512 || !IMAGE_REF_RE.test(tag))) throw new Error(`"${tag}" is not an image name: expected e.g. localhost/moltis-sandbox:latest`);
  return tag ?? config.tools.exec.sandbox.image;
}

/** Builds the configured image (or `tag`); resolves to the tag and the mode used. */
export async function sandboxImageBuild(config: Config, o: { backend?: string; tag?: string; mode: 'auto' | 'offline' | 'containerfile'; progress: (l: string) => void }): Promise<{ tag: string; mode: string }> {
  const tag = imageName(config, o.tag);
  const mode = await buildSandboxImage({ ...sandboxImageEngine(config, o.backend), tag, mode: o.mode, progress: o.progress });
  return { tag, mode };
}

/** The images built by `moltis sandbox image build` in the configured storage. */
export function sandboxImageList(config: Config, backend?: string): Promise<SandboxImageInfo[]> {
  return listSandboxImages(sandboxImageEngine(config, backend));
}

/** Removes one built image (default: the configured one). */
export async function sandboxImageRemove(config: Config, o: { backend?: string; tag?: string }): Promise<string> {
  const tag = imageName(config, o.tag);
  await removeSandboxImage(sandboxImageEngine(config, o.backend), tag);
  return tag;
}
