import { Option, type Command } from 'commander';
import { createInterface } from 'node:readline';
import { createClassifier, parseApprovalMode, type ClassifierOptions } from '../approval/index.js';
import { FLOOR_IN_SANDBOX, loadConfig, parseChoice, SECURITY_LEVELS, type FloorInSandbox, type SecurityLevel } from '../config/index.js';
import { netCheck } from '../net/index.js';
import { resolveDirs } from './paths.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
const collect = (v: string, prev: string[]) => [...prev, v];

interface ApprovalCheckFlags {
  mode?: string; allow?: string[]; stdin?: boolean; null?: boolean; sandboxed?: boolean; network?: boolean;
  floorInSandbox?: string; securityLevel?: string; configDir?: string;
}

/**
 * The policy `exec` would apply: `[tools.exec]` from moltis.toml (defaults when there is none),
 * overridden by the flags. `--network` means the sandbox can reach a network (trusted mode).
 */
function policy(o: ApprovalCheckFlags): ClassifierOptions {
  const ex = loadConfig({ configDir: resolveDirs(o).configDir, env: process.env, writeExample: false }).config.tools.exec;
  const network = o.network ?? ex.sandbox.network === 'trusted';
  const floor = o.floorInSandbox !== undefined ? parseChoice<FloorInSandbox>('--floor-in-sandbox', FLOOR_IN_SANDBOX, o.floorInSandbox) : ex.floor_in_sandbox;
  return {
    mode: o.mode !== undefined ? parseApprovalMode(o.mode) : ex.approval_mode,
    securityLevel: o.securityLevel !== undefined ? parseChoice<SecurityLevel>('--security-level', SECURITY_LEVELS, o.securityLevel) : ex.security_level,
    allowlist: [...ex.allowlist, ...(o.allow ?? [])],
    ...(o.sandboxed || o.network ? { sandbox: { network, floor } } : {}),
  };
}

/** Commands on stdin: one per line, or NUL-separated with `--null` (so a command may span lines). */
async function* commandsFrom(stdin: NodeJS.ReadableStream, nul: boolean): AsyncGenerator<string> {
  if (!nul) {
    for await (const line of createInterface({ input: stdin, crlfDelay: Infinity })) if (line.trim() !== '') yield line;
    return;
  }
  let buf = '';
  for await (const chunk of stdin) {
    buf += chunk.toString();
    const parts = buf.split('\0');
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim() !== '') yield p;
  }
  if (buf.trim() !== '') yield buf;
}

/**
 * Dry runs that show why something is or is not allowed, through exactly the code `exec` and
 * `web_fetch` use: `moltis approval check` and `moltis net check`.
 */
export function registerCheckCommands(program: Command, io: Out): void {
  program.command('approval')
    .description('approval policy helpers')
    .command('check')
    .description('classify commands as exec would (moltis.toml [tools.exec], then these flags): one JSON line each {"command","decision","floor","rule","scope","reason"}')
    .option('--mode <mode>', 'always | smart | never (aliases on-miss, off); default: approval_mode')
    .option('--security-level <level>', 'full | allowlist | deny; default: security_level')
    .option('--allow <entry>', 'an allowlist entry to apply (added to [tools.exec] allowlist); repeatable', collect, [])
    .option('--sandboxed', 'the command runs in an isolating sandbox (floor_in_sandbox applies)')
    .option('--network', 'the sandbox can reach a network (as in trusted mode); implies --sandboxed')
    .option('--floor-in-sandbox <which>', 'outside-effects | all | off; default: floor_in_sandbox')
    .option('--stdin', 'read commands from stdin, one per line')
    .option('--null', 'with --stdin: commands are separated by NUL bytes instead (multi-line commands)')
    .addOption(new Option('--config-dir <dir>', 'directory of moltis.toml').env('MOLTIS_CONFIG_DIR'))
    .argument('[command...]', 'the command (after --)')
    .action(async (words: string[], o: ApprovalCheckFlags) => {
      const opts = policy(o);
      const classifier = createClassifier();
      try {
        if (o.stdin) {
          for await (const cmd of commandsFrom(process.stdin, o.null === true)) io.out(JSON.stringify(await classifier.classify(cmd, opts)));
        } else {
          if (words.length === 0) throw new Error('give a command after --, or --stdin');
          io.out(JSON.stringify(await classifier.classify(words.join(' '), opts)));
        }
      } finally { classifier.close(); }
    });
  program.command('net')
    .description('network policy helpers')
    .command('check')
    .description('check a URL as web_fetch would: {"url","allowed","addresses","reason"}')
    .argument('<url>')
    .option('--allow <cidr>', 'an ssrf_allowlist CIDR to apply; repeatable', collect, [])
    .action(async (url: string, o: { allow?: string[] }) => {
      const r = await netCheck(url, { allowlist: o.allow ?? [] });
      io.out(JSON.stringify(r));
      if (!r.allowed) process.exitCode = 1;
    });
}
