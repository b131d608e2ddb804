import { Option, type Command } from 'commander';
import { loadConfig, ConfigError } from '../config/index.js';
import { gatherDoctorFacts } from '../server/index.js';
import { doctorExitCode, runDoctor } from '../audit/index.js';
import { resolveDirs } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
type OptsOf = <T>(cmd: Command) => T;

/** `moltis doctor`: security checks of the config, the data dir and this host. */
export function registerDoctorCommands(program: Command, io: Out, optsOf: OptsOf): void {
  program.command('doctor')
    .description('check this installation for unsafe settings; exit 0 = fine, 1 = warnings, 2 = critical')
    .option('--json', 'print {findings:[{id,severity,message,fix}], exitCode} as JSON')
    .addOption(new Option('--config-dir <dir>', 'config directory').env('MOLTIS_CONFIG_DIR'))
    .addOption(new Option('--data-dir <dir>', 'data directory').env('MOLTIS_DATA_DIR'))
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ json?: boolean; configDir?: string; dataDir?: string }>(cmd);
      const { configDir, dataDir } = resolveDirs(o);
      let config;
      try {
        // Read-only: the doctor never writes an example config.
        config = loadConfig({ configDir, env: process.env, writeExample: false }).config;
      } catch (err) {
        if (err instanceof ConfigError) { io.err(`moltis: ${err.message}`); process.exitCode = 2; return; }
        throw err;
      }
      const findings = runDoctor(gatherDoctorFacts({ config, configDir, dataDir, env: process.env, verifyAudit: true }));
      const exitCode = doctorExitCode(findings);
      process.exitCode = exitCode;
      if (o.json) { io.out(JSON.stringify({ findings, exitCode })); return; }
      if (findings.length === 0) { io.out('no findings: this installation passes every check'); return; }
      for (const f of findings) {
        io.out(`[${f.severity.toUpperCase()}] ${f.id}: ${f.message}`);
        io.out(`    fix: ${f.fix}`);
      }
    });
}
