import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { createClassifier, parseApprovalMode } from '../approval/index.js';
import { netCheck } from '../net/index.js';

type Out = { out: (s: string) => void; err: (s: string) => void };
const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * Dry runs that show why something is or is not allowed, through exactly the code `exec` and
 * `web_fetch` use: `moltis approval check` and `moltis net check`.
 */
export function registerCheckCommands(program: Command, io: Out): void {
  program.command('approval')
    .description('approval policy helpers')
    .command('check')
    .description('classify commands as exec would: one JSON line each {"command","decision","floor","rule","reason"}')
    .option('--mode <mode>', 'always | smart | never (aliases on-miss, off)', 'smart')
    .option('--allow <entry>', 'an allowlist entry to apply (as in [tools.exec] allowlist); repeatable', collect, [])
    .option('--stdin', 'read one command per line from stdin')
    .argument('[command...]', 'the command (after --)')
    .action(async (words: string[], o: { mode: string; allow?: string[]; stdin?: boolean }) => {
      const mode = parseApprovalMode(o.mode);
      const classifier = await createClassifier();
      const opts = { mode, allowlist: o.allow ?? [] };
      try {
        if (o.stdin) {
          for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
            if (line.trim() === '') continue;
            io.out(JSON.stringify(classifier.classify(line, opts)));
          }
        } else {
          if (words.length === 0) throw new Error('give a command after --, or --stdin');
          io.out(JSON.stringify(classifier.classify(words.join(' '), opts)));
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
