import { createRequire } from 'node:module';
import type { Language, Tree } from 'web-tree-sitter';

/**
 * The tree-sitter-bash parser, loaded on demand, and its syntax trees copied into plain JS
 * objects. web-tree-sitter answers every node property (`type`, `text`, `namedChildren`, …) with
 * a call into WASM plus marshalling; the walker reads each node many times, which cost more than
 * the parse itself. Each tree is therefore read once, right after the parse, and the WASM tree is
 * freed at once.
 */

/**
 * One syntax node. Mirrors the part of web-tree-sitter's `Node` the classifier uses, with the
 * same meaning (tree.test.ts compares both APIs on every command of the floor table).
 */
export class Node {
  readonly children: Node[] = [];
  parent: Node | null = null;
  /** Position in the parent's `children`. */
  index = 0;
  private named: Node[] | null = null;
  private cachedText: string | null = null;

  constructor(
    private readonly source: string,
    readonly type: string,
    readonly isNamed: boolean,
    /** The field this node fills in its parent (`name`, `body`, …), or null. */
    readonly field: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
  ) {}

  get text(): string { return (this.cachedText ??= this.source.slice(this.startIndex, this.endIndex)); }
  get namedChildren(): Node[] { return (this.named ??= this.children.filter((c) => c.isNamed)); }
  get firstChild(): Node | null { return this.children[0] ?? null; }
  /** As tree-sitter defines it: the first later sibling that ends after this node (zero-width nodes right after it are skipped). */
  get nextSibling(): Node | null {
    const sibs = this.parent?.children ?? [];
    for (let i = this.index + 1; i < sibs.length; i++) if (sibs[i]!.endIndex > this.endIndex) return sibs[i]!;
    return null;
  }

  childForFieldName(name: string): Node | null {
    for (const c of this.children) if (c.field === name) return c;
    return null;
  }

  childrenForFieldName(name: string): Node[] { return this.children.filter((c) => c.field === name); }

  /** This node and its descendants of the given types, in source order (web-tree-sitter includes the node itself, too). */
  descendantsOfType(types: string | readonly string[]): Node[] {
    const out: Node[] = [];
    collect(this, typeof types === 'string' ? [types] : types, out);
    return out;
  }
}

function collect(n: Node, want: readonly string[], out: Node[]): void {
  // web-tree-sitter skips nodes ending at the very start of the input (its default range).
  if (n.endIndex === 0) return;
  if (want.includes(n.type)) out.push(n);
  for (const c of n.children) collect(c, want, out);
}

/** A parse result: the root, and whether tree-sitter found a syntax error or a missing token anywhere. */
export interface Script { root: Node; hasError: boolean }

/** The loaded grammar: `parse` is synchronous; `close` frees the parser. `rawWalk`: trees are copied through the fast path. */
export interface ShellParser { parse(source: string): Script | null; close(): void; readonly rawWalk: boolean }

/** web-tree-sitter's raw WASM exports used to walk a tree without per-node marshalling. */
const RAW = [
  '_ts_tree_root_node_wasm', '_ts_tree_cursor_new_wasm', '_ts_tree_cursor_delete_wasm', '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm', '_ts_tree_cursor_goto_parent_wasm', '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_node_is_named_wasm', '_ts_tree_cursor_current_field_id_wasm', '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
] as const;
type RawModule = Record<(typeof RAW)[number], (tree: number) => number>;

/**
 * web-tree-sitter's Emscripten module is one per process; `Parser.init(options)` turns the first
 * options object it is given into that module. This object is that first options object, so the
 * raw exports can be reached. If something else initialised web-tree-sitter first it stays
 * empty, and trees are read through the public cursor API instead (same result, slower).
 */
const EMSCRIPTEN_MODULE: Record<string, unknown> = {};

function rawModule(): RawModule | null {
  return RAW.every((f) => typeof EMSCRIPTEN_MODULE[f] === 'function') ? (EMSCRIPTEN_MODULE as unknown as RawModule) : null;
}

/** Loads web-tree-sitter and the bash grammar (the only place either is imported at run time). */
export async function loadShellParser(o: { publicApiOnly?: boolean } = {}): Promise<ShellParser> {
  const { Language: Lang, Parser: P } = await import('web-tree-sitter');
  await P.init(EMSCRIPTEN_MODULE);
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  const language = await Lang.load(wasm);
  const parser = new P();
  parser.setLanguage(language);
  const raw = o.publicApiOnly ? null : rawModule();
  return {
    rawWalk: raw !== null,
    parse(source) {
      const tree = parser.parse(source);
      if (!tree) return null;
      try {
        const hasError = tree.rootNode.hasError;
        const root = raw ? readRaw(raw, tree, source, language) : readPublic(tree, source, language);
        return { root, hasError };
      } finally {
        tree.delete();
      }
    },
    close() { parser.delete(); },
  };
}

function adopt(parent: Node | null, n: Node): Node {
  if (parent) { n.parent = parent; n.index = parent.children.length; parent.children.push(n); }
  return n;
}

/** The node under the raw cursor. */
function rawNode(m: RawModule, t: number, source: string, types: readonly string[], fields: readonly (string | null)[], parent: Node | null): Node {
  return adopt(parent, new Node(source, types[m._ts_tree_cursor_current_node_type_id_wasm(t)] || 'ERROR', m._ts_tree_cursor_current_node_is_named_wasm(t) === 1,
    fields[m._ts_tree_cursor_current_field_id_wasm(t)] ?? null, m._ts_tree_cursor_start_index_wasm(t), m._ts_tree_cursor_end_index_wasm(t)));
}

/**
 * Walks the tree with one tree-sitter cursor kept in web-tree-sitter's transfer buffer: each
 * call below reads the cursor from there, and only the `goto_*` calls write it back. Nothing
 * else may touch web-tree-sitter between `cursor_new` and `cursor_delete`.
 */
function readRaw(m: RawModule, tree: Tree, source: string, language: Language): Node {
  const t = (tree as unknown as { 0: number })[0];
  const { types, fields } = language;
  m._ts_tree_root_node_wasm(t);
  m._ts_tree_cursor_new_wasm(t);
  try {
    const root = rawNode(m, t, source, types, fields, null);
    let cur = root;
    for (;;) {
      if (m._ts_tree_cursor_goto_first_child_wasm(t) === 1) { cur = rawNode(m, t, source, types, fields, cur); continue; }
      for (;;) {
        if (m._ts_tree_cursor_goto_next_sibling_wasm(t) === 1) { cur = rawNode(m, t, source, types, fields, cur.parent); break; }
        if (m._ts_tree_cursor_goto_parent_wasm(t) !== 1 || cur.parent === null) return root;
        cur = cur.parent;
      }
    }
  } finally {
    m._ts_tree_cursor_delete_wasm(t);
  }
}

/** The same walk through web-tree-sitter's public cursor (used when the raw exports are not reachable). */
function readPublic(tree: Tree, source: string, language: Language): Node {
  const c = tree.walk();
  const make = (parent: Node | null) => adopt(parent, new Node(source, c.nodeType, c.nodeIsNamed, language.fields[c.currentFieldId] ?? null, c.startIndex, c.endIndex));
  try {
    const root = make(null);
    let cur = root;
    for (;;) {
      if (c.gotoFirstChild()) { cur = make(cur); continue; }
      for (;;) {
        if (c.gotoNextSibling()) { cur = make(cur.parent); break; }
        if (!c.gotoParent() || cur.parent === null) return root;
        cur = cur.parent;
      }
    }
  } finally {
    c.delete();
  }
}
