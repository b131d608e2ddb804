import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { resolveDirs } from './paths.js';
import { callGateway, explain, resolveTarget, type ClientTarget } from './gateway-client.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
type OptsOf = <T>(cmd: Command) => T;
interface ClientFlags { url?: string; apiKey?: string; configDir?: string }

/** Reads a secret from stdin: all of it when piped, one hidden line from a terminal. */
async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(prompt);
  // Mute the echo so the value never appears on screen.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  const line = await new Promise<string>((res) => rl.question('', res));
  rl.close();
  process.stderr.write('\n');
  return line;
}

async function target(cmd: Command, optsOf: OptsOf): Promise<ClientTarget> {
  const o = optsOf<ClientFlags>(cmd);
  return resolveTarget({ ...(o.url ? { url: o.url } : {}), ...(o.apiKey ? { apiKey: o.apiKey } : {}), configDir: resolveDirs(o).configDir });
}

/**
 * `moltis env set|list|unset`: the agent's environment variables, kept in the running gateway's
 * vault. Values are write-only; `set` reads the value from stdin so it stays out of shell history.
 */
export function registerEnvCommands(program: Command, io: Out, optsOf: OptsOf): void {
  const env = program.command('env')
    .description('environment variables for the agent, stored encrypted in the running gateway\'s vault');
  const command = (name: string) => env.command(name)
    .option('--url <url>', 'gateway URL (env MOLTIS_GATEWAY_URL; default from moltis.toml)')
    .option('--api-key <key>', 'an operator.admin API key (env MOLTIS_API_KEY)')
    .option('--config-dir <dir>', 'config directory, for the URL and the local CA (env MOLTIS_CONFIG_DIR)');
  const fail = (msg: string) => { io.err(`moltis: ${msg}`); process.exitCode = 1; };

  command('set')
    .description('set KEY; the value is read from stdin (piped, or typed without echo)')
    .argument('<key>', 'variable name, e.g. GITHUB_TOKEN')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const t = await target(cmd, optsOf);
      const value = await readSecret(`value for ${key}: `);
      const r = await callGateway(t, 'POST', '/api/env', { key, value });
      if (r.status !== 200) return fail(explain(r.status, r.json));
      io.out(`${key} stored in the vault (id ${r.json.id})`);
    });
  command('list')
    .description('list variable names (never values)')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await callGateway(await target(cmd, optsOf), 'GET', '/api/env');
      if (r.status !== 200) return fail(explain(r.status, r.json));
      const vars = r.json.env_vars as Array<{ id: number; key: string; updated_at: string }>;
      if (vars.length === 0) io.out('no environment variables');
      for (const v of vars) io.out(`${String(v.id).padStart(4)}  ${v.key}  (updated ${v.updated_at})`);
    });
  command('unset')
    .description('remove KEY')
    .argument('<key>', 'variable name')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const t = await target(cmd, optsOf);
      const list = await callGateway(t, 'GET', '/api/env');
      if (list.status !== 200) return fail(explain(list.status, list.json));
      const hit = (list.json.env_vars as Array<{ id: number; key: string }>).find((v) => v.key === key);
      if (!hit) return fail(`no environment variable named ${key}`);
      const r = await callGateway(t, 'DELETE', `/api/env/${hit.id}`);
      if (r.status !== 200) return fail(explain(r.status, r.json));
      io.out(`${key} removed`);
    });
}
