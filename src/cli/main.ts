#!/usr/bin/env node
/**
 * `moltis` command line: `serve` (the default), `auth …`, `env …`, `audit …`, `doctor`, `trust-ca`, `config check`.
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig, ConfigError } from '../config/index.js';
import { trustCaPlan } from '../tls/index.js';
import { VERSION } from '../server/index.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerEnvCommands } from './env-commands.js';
import { registerCheckCommands } from './check-commands.js';
import { registerAuditCommands } from './audit-commands.js';
import { registerDoctorCommands } from './doctor-commands.js';
import { registerSandboxCommands } from './sandbox-commands.js';
import { existingDataDir, resolveDirs, unknownCommandMessage, UsageError } from './paths.js';
import { CONFIG_FILE_NAME } from '../config/index.js';
import { serve, type ServeFlags } from './serve.js';

const io = { out: (s: string) => process.stdout.write(`${s}\n`), err: (s: string) => process.stderr.write(`${s}\n`) };

function serveOptions(cmd: Command): Command {
  return cmd
    .option('--bind <address>', 'address to listen on (default 127.0.0.1; [server] bind)')
    .option('--port <port>', 'port to listen on (default 13131; [server] port)')
    .addOption(new Option('--no-tls', 'serve plain HTTP (e.g. behind a TLS-terminating proxy); env MOLTIS_NO_TLS'))
    .addOption(new Option('--config-dir <dir>', 'directory of moltis.toml and certs/ (default ~/.config/moltis)').env('MOLTIS_CONFIG_DIR'))
    .addOption(new Option('--data-dir <dir>', 'directory of moltis.db (default ~/.moltis)').env('MOLTIS_DATA_DIR'));
}

const SOURCE_RANK: Record<string, number> = { cli: 3, env: 2, implied: 1, config: 1 };

/**
 * Options of `cmd` merged with those of its parents: a flag beats the environment, which beats a
 * default; the innermost command wins a tie. So `moltis --data-dir X auth list-api-keys` and
 * `moltis auth list-api-keys --data-dir X` agree, and either beats MOLTIS_DATA_DIR.
 */
function allOpts<T>(cmd: Command): T {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  const out: Record<string, { v: unknown; rank: number }> = {};
  for (const c of chain) {
    for (const [k, v] of Object.entries(c.opts())) {
      const rank = SOURCE_RANK[c.getOptionValueSource(k) ?? ''] ?? 0;
      const prev = out[k];
      if (prev === undefined || rank >= prev.rank) out[k] = { v, rank };
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, e]) => [k, e.v])) as T;
}

// Positional options: without this, the top-level --config-dir/--data-dir/--port swallowed the
// same flags given after a subcommand, so `moltis serve --data-dir X` (or `auth … --data-dir X`)
// silently used ~/.moltis instead of X.
const program = new Command('moltis')
  .enablePositionalOptions()
  .version(VERSION)
  .description('Self-hosted personal AI agent gateway.\n\nWith no command, runs the gateway (same as `moltis serve`).\nEnvironment: MOLTIS_BEHIND_PROXY=true (behind a reverse proxy: never trust loopback), MOLTIS_ALLOW_TLS_BEHIND_PROXY, MOLTIS_WEBAUTHN_RP_ID / MOLTIS_WEBAUTHN_ORIGIN (passkey domain and origin behind a proxy), MOLTIS_<SECTION>__<KEY> (override any moltis.toml key, e.g. MOLTIS_TOOLS__EXEC__SANDBOX__BACKEND=\"bwrap\").')
  .showHelpAfterError();
serveOptions(program).allowExcessArguments(true).action(async (_flags: ServeFlags, cmd: Command) => {
  // A word where a command belongs is a mistyped command, never an argument to `serve`.
  if (cmd.args.length > 0) throw new UsageError(unknownCommandMessage(cmd.args[0]!, program.commands.map((c) => c.name())));
  process.exitCode = await serve(allOpts<ServeFlags>(cmd), io);
});
serveOptions(program.command('serve').description('run the gateway')).action(async (_flags: ServeFlags, cmd: Command) => { process.exitCode = await serve(allOpts<ServeFlags>(cmd), io); });

registerAuthCommands(program, io, allOpts);
registerEnvCommands(program, io, allOpts);
registerCheckCommands(program, io);
registerAuditCommands(program, io, allOpts);
registerDoctorCommands(program, io, allOpts);
registerSandboxCommands(program, io, allOpts);

program.command('trust-ca')
  .description('trust the gateway\'s local CA in this OS (prints the steps; --run executes them)')
  .option('--run', 'run the commands (may ask for sudo)')
  .addOption(new Option('--config-dir <dir>', 'config directory').env('MOLTIS_CONFIG_DIR'))
  .action((_o: unknown, cmd: Command) => {
    const o = allOpts<{ run?: boolean; configDir?: string }>(cmd);
    const ca = join(resolveDirs(o).configDir, 'certs', 'ca.pem');
    if (!existsSync(ca)) { io.err(`moltis: no CA at ${ca}: start the gateway once with TLS on to create it`); process.exitCode = 2; return; }
    const plan = trustCaPlan(ca, process.platform);
    io.out(plan.instructions);
    if (!o.run) { for (const c of plan.commands) io.out(`  ${c.join(' ')}`); return; }
    for (const c of plan.commands) {
      io.out(`$ ${c.join(' ')}`);
      const r = spawnSync(c[0]!, c.slice(1), { stdio: 'inherit' });
      if (r.status !== 0) { io.err(`moltis: command failed (exit ${r.status ?? r.signal})`); process.exitCode = 1; return; }
    }
  });

program.command('config')
  .description('configuration helpers')
  .command('check')
  .description('validate moltis.toml and exit (non-zero on errors, with key, line and column)')
  .addOption(new Option('--config-dir <dir>', 'config directory').env('MOLTIS_CONFIG_DIR'))
  .action((_o: unknown, cmd: Command) => {
    const o = allOpts<{ configDir?: string }>(cmd);
    const path = join(resolveDirs(o).configDir, CONFIG_FILE_NAME);
    if (!existsSync(path)) throw new UsageError(`${path} does not exist: check --config-dir (or MOLTIS_CONFIG_DIR); \`moltis serve\` writes a commented example on its first start`);
    try {
      const r = loadConfig({ configDir: resolveDirs(o).configDir, env: process.env, writeExample: false });
      io.out(`${r.path}: ok`);
    } catch (err) {
      if (err instanceof ConfigError) { io.err(`moltis: ${err.message}`); process.exitCode = 2; return; }
      throw err;
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  io.err(`moltis: ${(err as Error).message}`);
  process.exitCode = err instanceof UsageError ? 2 : process.exitCode || 1;
});
