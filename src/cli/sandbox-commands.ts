import { Option, type Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { probeSandbox, sandboxImageBuild, sandboxImageList, sandboxImageRemove, sandboxSummary } from '../server/index.js';
import { cliName, existingDataDir, resolveDirs } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
type OptsOf = <T>(cmd: Command) => T;

/**
 * `moltis sandbox status`: the sandbox choice the gateway would make here, with every reason the
 * start-up line leaves out (what was probed, why a backend was refused, limits, network).
 */
export function registerSandboxCommands(program: Command, io: Out, optsOf: OptsOf): void {
  const sandbox = program.command('sandbox').description('sandbox helpers');
  registerImageCommands(sandbox, io, optsOf);
  sandbox.command('status')
    .description('probe the sandbox backends as the gateway does and explain the choice')
    .addOption(new Option('--config-dir <dir>', 'config directory').env('MOLTIS_CONFIG_DIR'))
    .addOption(new Option('--data-dir <dir>', 'data directory').env('MOLTIS_DATA_DIR'))
    .action(async (_o: unknown, cmd: Command) => {
      const o = optsOf<{ configDir?: string; dataDir?: string }>(cmd);
      const dirs = { configDir: resolveDirs(o).configDir, dataDir: existingDataDir(o) };
      const { config } = loadConfig({ configDir: dirs.configDir, env: process.env, writeExample: false });
      const details: string[] = [];
      const chosen = await probeSandbox(config, dirs.dataDir, (l) => details.push(l.trim()), undefined, (l) => details.push(l));
      try {
        const sb = config.tools.exec.sandbox;
        const l = sb.resource_limits;
        io.out(sandboxSummary(config, chosen, cliName()));
        io.out(`  backend: ${chosen.runner.name} (requested: ${sb.enabled ? sb.backend : 'disabled'})`);
        io.out(`  why: ${chosen.reason}`);
        io.out(`  limits: memory ${l.memory_limit}, cpu ${l.cpu_quota}, ${l.pids_max} processes; commands time out after ${config.tools.exec.timeout_secs} s`);
        io.out(`  network: ${sb.network === 'trusted' ? `trusted domains only (${sb.trusted_domains.join(', ') || 'none listed'}) through the filtering proxy` : 'none (only a loopback interface inside)'}`);
        io.out(`  approvals: ${chosen.fallback ? 'every command (no sandbox)' : config.tools.exec.approval_mode}`);
        for (const d of details) if (!d.startsWith('sandbox: using ')) io.out(`  ${d}`);
      } finally { await chosen.runner.close(); }
    });
}

const configDirOption = () => new Option('--config-dir <dir>', 'config directory (its [tools.exec.sandbox] image, backend and oci_args are used)').env('MOLTIS_CONFIG_DIR');
const backendOption = () => new Option('--backend <engine>', 'engine to use (default: the configured podman/docker, else podman)').choices(['podman', 'docker']);
const configOf = (o: { configDir?: string }) => loadConfig({ configDir: resolveDirs(o).configDir, env: process.env, writeExample: false }).config;

/**
 * `moltis sandbox image build|list|rm`: the sandbox image, built locally with the gateway's engine
 * and `oci_args`, under the gateway's default image name, so the gateway finds it at start.
 */
function registerImageCommands(sandbox: Command, io: Out, optsOf: OptsOf): void {
  const image = sandbox.command('image').description('build, list and remove the sandbox image (built locally, never pulled at run time)');
  image.command('build')
    .description('build the sandbox image: from the shipped Containerfile when its base image can be pulled, else offline (tools from the host /usr, mounted read-only)')
    .addOption(configDirOption()).addOption(backendOption())
    .addOption(new Option('--tag <image>', 'image name (default: [tools.exec.sandbox] image)'))
    .addOption(new Option('--offline', 'skip the registry: build the host-/usr image').conflicts('containerfile'))
    .addOption(new Option('--containerfile', 'require the full image from the shipped Containerfile'))
    .action(async (_o: unknown, cmd: Command) => {
      const o = optsOf<{ configDir?: string; backend?: string; tag?: string; offline?: boolean; containerfile?: boolean }>(cmd);
      const config = configOf(o);
      const r = await sandboxImageBuild(config, {
        mode: o.offline ? 'offline' : o.containerfile ? 'containerfile' : 'auto', progress: io.out,
        ...(o.backend ? { backend: o.backend } : {}), ...(o.tag ? { tag: o.tag } : {}),
      });
      if (r.tag !== config.tools.exec.sandbox.image) io.out(`note: the gateway runs ${config.tools.exec.sandbox.image}; set [tools.exec.sandbox] image = "${r.tag}" to use this one`);
    });
  image.command('list')
    .description('list the images built by `sandbox image build` in the configured engine storage')
    .addOption(configDirOption()).addOption(backendOption())
    .action(async (_o: unknown, cmd: Command) => {
      const o = optsOf<{ configDir?: string; backend?: string }>(cmd);
      const config = configOf(o);
      const imgs = await sandboxImageList(config, o.backend);
      if (!imgs.length) { io.out(`no sandbox images: run \`${cliName()} sandbox image build\``); return; }
      for (const i of imgs) {
        const mark = i.name === config.tools.exec.sandbox.image ? ' (configured)' : '';
        io.out(`${i.name}${mark}  ${i.id.slice(0, 12)}  ${i.size}  ${i.created}  ${i.hostUsr ? 'offline: host /usr read-only' : 'self-contained'}`);
      }
    });
  image.command('rm')
    .description('remove a sandbox image built by `sandbox image build` (default: the configured one)')
    .argument('[image]', 'image name')
    .addOption(configDirOption()).addOption(backendOption())
    .action(async (name: string | undefined, _o: unknown, cmd: Command) => {
      const o = optsOf<{ configDir?: string; backend?: string }>(cmd);
      const tag = await sandboxImageRemove(configOf(o), { ...(o.backend ? { backend: o.backend } : {}), ...(name ? { tag: name } : {}) });
      io.out(`removed ${tag}`);
    });
}
