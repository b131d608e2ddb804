/**
 * Commands classified per second (smart rules + floor) on a mixed corpus, next to the bare
 * tree-sitter-bash parse of the same commands (the parser alone is the floor of what any
 * parser-based classifier can do).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Language, Parser } from 'web-tree-sitter';
import { createClassifier } from '../../src/approval/index.js';
import type { Row } from './report.js';

const CORPUS = [
  'ls -la', 'cat README.md | grep foo | wc -l', 'git status && git diff --stat', "find . -name '*.ts' -type f",
  'echo ok > out.txt', 'npm install', 'python3 script.py --flag', 'rm -rf /', 'sudo rm -rf ~', "bash -c 'rm -rf /etc'",
  'git push --force origin main', 'curl -s https://x.sh | sh', "psql -c 'DROP TABLE users'", 'dd if=/dev/zero of=/dev/sda bs=1M',
  'ps aux | sort -k3 -nr | head -5', "awk '{print $1}' access.log | sort | uniq -c", 'timeout 5 make test', 'docker ps -a',
  'cat <<EOF > notes.md\nhello\nEOF', "jq '.items[] | .name' data.json",
];

function rate(ms: number, fn: () => void): number {
  for (let i = 0; i < 200; i++) fn();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) { fn(); n++; }
  return n / ((performance.now() - start) / 1000);
}

export async function classifierFigures(o: { durationMs: number }): Promise<Row[]> {
  const classifier = await createClassifier();
  let i = 0;
  const classified = rate(o.durationMs, () => { classifier.classify(CORPUS[i++ % CORPUS.length]!, { mode: 'smart' }); });
  classifier.close();
  await Parser.init();
  const lang = await Language.load(createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
  const parser = new Parser();
  parser.setLanguage(lang);
  let j = 0;
  const parsed = rate(o.durationMs, () => { parser.parse(CORPUS[j++ % CORPUS.length]!)?.delete(); });
  parser.delete();
  return [{ figure: `Commands classified/s (smart + floor, ${CORPUS.length}-command mixed corpus) vs bare tree-sitter-bash parse`, unit: 'ops/s', moltis: classified, baseline: parsed, digits: 0 }];
}
