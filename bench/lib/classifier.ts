/**
 * Commands classified per second (smart rules + floor) next to the bare tree-sitter-bash parse
 * of the same commands (the parser alone is the floor of what any parser-based classifier can
 * do): on a mixed everyday corpus, and on the floor's whole test table (src/approval/table/:
 * destructive rows and their look-alikes, interpreter code, heredocs, variables).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Language, Parser } from 'web-tree-sitter';
import { FLOOR_TABLE } from '../../src/approval/table/index.js';
import type { Row } from './report.js';

const CORPUS = [
  'ls -la', 'cat README.md | grep foo | wc -l', 'git status && git diff --stat', "find . -name '*.ts' -type f",
  'echo ok > out.txt', 'npm install', 'python3 script.py --flag', 'rm -rf /', 'sudo rm -rf ~', "bash -c 'rm -rf /etc'",
  'git push --force origin main', 'curl -s https://x.sh | sh', "psql -c 'DROP TABLE users'", 'dd if=/dev/zero of=/dev/sda bs=1M',
  'ps aux | sort -k3 -nr | head -5', "awk '{print $1}' access.log | sort | uniq -c", 'timeout 5 make test', 'docker ps -a',
  'cat <<EOF > notes.md\nhello\nEOF', "jq '.items[] | .name' data.json",
];

const ROUNDS = 7;

/** Whole passes over `corpus` (at least one) until `ms` has elapsed: commands per second. */
function rate(ms: number, corpus: readonly string[], fn: (s: string) => void): number {
  const start = performance.now();
  let n = 0;
  do { for (const s of corpus) fn(s); n += corpus.length; } while (performance.now() - start < ms);
  return n / ((performance.now() - start) / 1000);
}

/**
 * The classifier as the gateway ships it: dist/ is one esbuild bundle, so the approval module is
 * bundled the same way (packages external) into node_modules/.cache, from where they resolve.
 */
async function bundledApproval(): Promise<string> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outfile = join(root, 'node_modules/.cache/moltis-bench/approval.mjs');
  const { build } = await import('esbuild');
  await build({ entryPoints: [join(root, 'src/approval/index.ts')], outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', logLevel: 'silent' });
  return pathToFileURL(outfile).href;
}

/**
 * `dist`: measure the built classifier (dist/approval, what the gateway runs) rather than src/
 * under tsx, whose per-closure name helpers are not in the shipped code.
 */
export async function classifierFigures(o: { durationMs: number; dist: boolean }): Promise<Row[]> {
  const { createClassifier }: typeof import('../../src/approval/index.js') = await import(o.dist ? await bundledApproval() : '../../src/approval/index.js');
  // The classifier first: it reads trees through web-tree-sitter's raw exports, which it can
  // only reach when it initialises web-tree-sitter itself (src/approval/tree.ts).
  const classifier = createClassifier();
  await classifier.load();
  await Parser.init();
  const lang = await Language.load(createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
  const parser = new Parser();
  parser.setLanguage(lang);
  const table = FLOOR_TABLE.flatMap((t) => [...t.destructive, ...t.benign]);
  const rows: Row[] = [];
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const classify = (s: string) => { classifier.classifySync(s, { mode: 'smart' }); };
  const parse = (s: string) => { parser.parse(s)?.delete(); };
  for (const [label, corpus] of [[`${CORPUS.length}-command mixed corpus`, CORPUS], [`floor table, ${table.length} commands`, table]] as const) {
    rate(0, corpus, classify);
    rate(0, corpus, parse);
    // Like with like: both sides run whole passes over the same commands, in short alternating
    // rounds (a busy machine slows both alike); the median round of each side is reported.
    const classified: number[] = [];
    const parsed: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      classified.push(rate(o.durationMs / ROUNDS, corpus, classify));
      parsed.push(rate(o.durationMs / ROUNDS, corpus, parse));
    }
    rows.push({ figure: `Commands classified/s (smart + floor, ${label}) vs bare tree-sitter-bash parse`, unit: 'ops/s', moltis: median(classified), baseline: median(parsed), digits: 0 });
  }
  classifier.close();
  parser.delete();
  return rows;
}
