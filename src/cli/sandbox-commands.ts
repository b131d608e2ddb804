import { Option, type Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { probeSandbox, sandboxSummary } from '../server/index.js';
import { cliName, existingDataDir, resolveDirs } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
type OptsOf = <T>(cmd: Command) => T;

/**
 * `moltis sandbox status`: the sandbox choice the gateway would make here, with every reason the
 * start-up line leaves out (what was probed, why a backend was refused, limits, network).
 */
export function registerSandboxCommands(program: Command, io: Out, optsOf: OptsOf): void {
  program.command('sandbox')
    .description('sandbox helpers')
    .command('status')
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
