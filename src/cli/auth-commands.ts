import type { Command } from 'commander';
import type { Auth } from '../auth/index.js';
import { withOfflineAuth } from '../server/index.js';
import { SCOPES } from '../policy/index.js';
import { existingDataDir, UsageError } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
/** Reads a command's options merged with its parents' (so a top-level --data-dir counts). */
type OptsOf = <T>(cmd: Command) => T;

function withAuth<T>(dataDirFlag: string | undefined, fn: (auth: Auth) => T): T {
  return withOfflineAuth(existingDataDir(dataDirFlag !== undefined ? { dataDir: dataDirFlag } : {}), fn);
}

/** Asks on the terminal; false without one (scripts confirm with --yes). */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try { return /^y(es)?$/i.test((await rl.question(question)).trim()); } finally { rl.close(); }
}

/** `moltis auth …`: API keys and password reset, offline against `<data_dir>/moltis.db`. */
export function registerAuthCommands(program: Command, io: Out, optsOf: OptsOf): void {
  const auth = program.command('auth').description('manage gateway credentials (API keys, password reset)');
  auth.command('create-api-key')
    .description('create an API key; it is printed once and never stored in plaintext')
    .requiredOption('--label <label>', 'what the key is for, e.g. "CI pipeline"')
    .requiredOption('--scopes <list>', `comma-separated scopes, at least one of: ${SCOPES.join(', ')}`)
    .option('--data-dir <dir>', 'data directory (env MOLTIS_DATA_DIR, default ~/.moltis)')
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ label: string; scopes: string; dataDir?: string }>(cmd);
      const scopes = o.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const r = withAuth(o.dataDir, (a) => a.createApiKey(o.label, scopes, { clientIp: 'cli' }));
      io.out(`API key created (id ${r.id}, label "${r.info.label}", scopes ${r.info.scopes.join(', ')}).`);
      io.out('Copy it now — it is shown only once:');
      io.out(r.key);
    });
  auth.command('list-api-keys')
    .description('list live API keys (prefix, label, scopes; never the key)')
    .option('--data-dir <dir>', 'data directory')
    .action((_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string }>(cmd);
      const keys = withAuth(o.dataDir, (a) => a.apiKeys.list());
      if (keys.length === 0) { io.out('no API keys'); return; }
      for (const k of keys) io.out(`${String(k.id).padStart(4)}  ${k.key_prefix}…  ${k.label}  [${k.scopes.join(', ')}]  created ${k.created_at}${k.last_used_at ? `  last used ${k.last_used_at}` : ''}`);
    });
  auth.command('revoke-api-key')
    .description('revoke an API key by id (takes effect at once, open WebSockets of the key close)')
    .argument('<id>', 'key id from list-api-keys')
    .option('--data-dir <dir>', 'data directory')
    .action((id: string, _o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string }>(cmd);
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`"${id}" is not a key id: use the number shown by \`moltis auth list-api-keys\``);
      const ok = withAuth(o.dataDir, (a) => a.revokeApiKey(n, { clientIp: 'cli' }));
      io.out(ok ? `API key ${n} revoked` : `no live API key with id ${n} (already revoked, or never existed)`);
    });
  auth.command('reset-password')
    .description('remove the password, all sessions and all API keys; the next start prints a setup code')
    .option('--data-dir <dir>', 'data directory')
    .option('--yes', 'do not ask for confirmation')
    .action(async (_o: unknown, cmd: Command) => {
      const o = optsOf<{ dataDir?: string; yes?: boolean }>(cmd);
      existingDataDir(o.dataDir !== undefined ? { dataDir: o.dataDir } : {});
      // Irreversible for every credential: an explicit yes, typed or given as --yes.
      if (!o.yes && !(await confirm('This removes the password, every login session and every API key. Continue? [y/N] '))) {
        throw new UsageError(process.stdin.isTTY ? 'nothing changed' : 'this removes the password, every session and every API key: run it again with --yes to confirm');
      }
      withAuth(o.dataDir, (a) => a.reset({ clientIp: 'cli' }));
      io.out('Password, sessions and API keys removed. Restart the gateway (or wait: a running gateway issues a setup code on the next request) and set a new password from this machine, or remotely with the setup code printed in its console.');
    });
}
