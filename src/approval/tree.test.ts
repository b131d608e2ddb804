/**
 * The classifier reads copies of tree-sitter's trees (tree.ts), made through web-tree-sitter's
 * raw WASM exports. A copy that differed from the real tree would make the floor judge a
 * different command than the one that runs, so both copy paths are compared with
 * web-tree-sitter's own Node API, node by node, on every command of the floor table and more.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { Language, Parser, type Node as TsNode } from 'web-tree-sitter';
import { FLOOR_TABLE } from './table/index.js';
import { loadShellParser, type Node, type ShellParser } from './tree.js';

const EXTRA = [
  '', ' ', '# only a comment', 'ls # trailing comment', 'echo "héllo wörld 😀" | grep 😀', "echo $'\\x41\\n' ${a:-b} ${#x} $((1+2))",
  'a=1 b=(x y) c', 'f() { g | h & }; f', 'case $x in a|b) rm -rf /;; *) ls;; esac', 'cat <<-EOF | sh\n\tls\n\tEOF', 'x <<< "$(date)" 2>&1 >/dev/null',
  'echo "unterminated', 'ls (', 'for ((i=0; i<3; i++)); do echo $i; done', '[[ -f x && ! -d y ]] || exit 1', 'select x in a b; do break; done',
  'coproc cat', 'time { ls; } 2> t', 'declare -A m=([k]=v); unset m', '! true', 'echo {a,b}{1..3} ~/x *.ts', 'cmd & wait',
];

let parser: ShellParser;
let fallback: ShellParser;
let ts: Parser;
before(async () => {
  parser = await loadShellParser();
  fallback = await loadShellParser({ publicApiOnly: true });
  await Parser.init();
  ts = new Parser();
  ts.setLanguage(await Language.load(createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm')));
});
after(() => { parser.close(); fallback.close(); ts.delete(); });

/** Every property the classifier reads, for one node and (recursively) its children. */
function sameNode(mine: Node, real: TsNode, fields: readonly (string | null)[], where: string): void {
  const at = `${where} > ${real.type}@${real.startIndex}`;
  assert.equal(mine.type, real.type, at);
  assert.equal(mine.isNamed, real.isNamed, at);
  assert.equal(mine.startIndex, real.startIndex, at);
  assert.equal(mine.endIndex, real.endIndex, at);
  assert.equal(mine.text, real.text, at);
  const kids = real.children.filter((c): c is TsNode => c !== null);
  assert.equal(mine.children.length, kids.length, `${at}: child count`);
  assert.deepEqual(mine.namedChildren.map((c) => c.startIndex), real.namedChildren.map((c) => c?.startIndex), `${at}: named children`);
  assert.equal(mine.firstChild?.startIndex, real.firstChild?.startIndex, `${at}: first child`);
  assert.deepEqual(mine.nextSibling && [mine.nextSibling.type, mine.nextSibling.startIndex], real.nextSibling && [real.nextSibling.type, real.nextSibling.startIndex], `${at}: next sibling`);
  assert.equal(mine.parent?.startIndex, real.parent?.startIndex, `${at}: parent`);
  for (const f of fields) {
    if (f === null) continue;
    const a = mine.childForFieldName(f);
    const b = real.childForFieldName(f);
    assert.deepEqual(a && [a.type, a.startIndex, a.endIndex], b && [b.type, b.startIndex, b.endIndex], `${at}: field ${f}`);
    assert.deepEqual(mine.childrenForFieldName(f).map((c) => c.startIndex), real.childrenForFieldName(f).map((c) => c?.startIndex), `${at}: fields ${f}`);
  }
  const types = ['command', 'command_name', 'word', 'command_substitution', 'process_substitution', 'variable_assignment', 'for_statement', 'simple_expansion', 'expansion'];
  assert.deepEqual(mine.descendantsOfType(types).map((c) => [c.type, c.startIndex]), real.descendantsOfType(types).map((c) => [c?.type, c?.startIndex]), `${at}: descendants`);
  kids.forEach((k, i) => sameNode(mine.children[i]!, k, fields, at));
}

describe('syntax tree copies', () => {
  const corpus = [...new Set([...FLOOR_TABLE.flatMap((t) => [...t.destructive, ...t.benign]), ...EXTRA])];

  it('match web-tree-sitter node for node (raw walk and public-cursor walk)', () => {
    assert.ok(corpus.length > 1500);
    assert.equal(parser.rawWalk, true, 'loaded first, the classifier reaches the raw WASM exports');
    assert.equal(fallback.rawWalk, false);
    const fields = ts.language!.fields;
    for (const src of corpus) {
      const real = ts.parse(src)!;
      try {
        for (const [name, p] of [['raw', parser], ['public', fallback]] as const) {
          const mine = p.parse(src)!;
          assert.equal(mine.hasError, real.rootNode.hasError, `${name} ${JSON.stringify(src)}: hasError`);
          sameNode(mine.root, real.rootNode, fields, `${name} ${JSON.stringify(src)}`);
        }
      } finally { real.delete(); }
    }
  });
});
