/**
 * YAML front matter for IDENTITY.md and USER.md: `---\n<yaml>\n---\n<body>`. Parsing is
 * tolerant (every problem becomes a warning and the bad field falls back to its default);
 * rewriting goes through the parsed yaml Document so the owner's comments, key order and
 * unknown keys (e.g. the original's `theme`, `latitude`) survive, and the body is kept verbatim.
 */
import { Document, isMap, parseDocument } from 'yaml';
import { fieldProblem } from './fields.js';

type Rules = Readonly<Record<string, Parameters<typeof fieldProblem>[0]>>;

/** A front-matter file taken apart. */
export interface ParsedFrontmatterFile {
  /** The yaml Document when the front matter parsed to a map (or was empty); null otherwise. */
  doc: Document | null;
  /** Known fields that passed their rules; others are absent (caller applies defaults). */
  values: Record<string, string>;
  /** Text after the closing `---` line, verbatim (the whole file when there is no front matter). */
  body: string;
  warnings: string[];
}

const OPEN = /^\uFEFF?---[ \t]*(?:\r?\n|$)/;
// Only a line that is exactly `---` closes: yaml block scalars are indented, so a `---` inside
// a multi-line value can never end the front matter early.
const CLOSE = /^---[ \t]*(?:\r?\n|$)/m;

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

function commentLines(comment: string | null | undefined): string[] {
  return comment ? comment.split('\n').map((l) => `#${l}`) : [];
}

/** Parses `text` (the whole file) against `rules`; never throws. */
export function parseFrontmatterFile(text: string, rules: Rules, fileName: string, emptyIsUnset = false): ParsedFrontmatterFile {
  const warnings: string[] = [];
  const open = OPEN.exec(text);
  if (open === null) {
    if (text.trim() !== '') warnings.push(`${fileName}: no YAML front matter (--- … ---); using defaults`);
    return { doc: null, values: {}, body: text, warnings };
  }
  const rest = text.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (close === null) {
    warnings.push(`${fileName}: front matter has no closing --- line; using defaults`);
    return { doc: null, values: {}, body: text, warnings };
  }
  const yamlText = rest.slice(0, close.index);
  const body = rest.slice(close.index + close[0].length);

  const doc = parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    warnings.push(`${fileName}: invalid YAML front matter (${firstLine(doc.errors[0]?.message ?? 'parse error')}); using defaults`);
    return { doc: null, values: {}, body, warnings };
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    warnings.push(`${fileName}: front matter is not a list of key: value pairs; using defaults`);
    return { doc: null, values: {}, body, warnings };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    // Alias expansion bombs and similar: treat as unreadable rather than spend memory on them.
    warnings.push(`${fileName}: front matter cannot be read (${firstLine((err as Error).message)}); using defaults`);
    return { doc: null, values: {}, body, warnings };
  }
  const record = (data ?? {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    // An absent key and a bare `key:` (null) mean "not set"; so does '' where emptyIsUnset.
    if (value === undefined || value === null || (value === '' && emptyIsUnset)) continue;
    const problem = fieldProblem(rule, value);
    if (problem === null) values[key] = value as string;
    else warnings.push(`${fileName}: ${key} ${problem}; using the default`);
  }
  return { doc, values, body, warnings };
}

/**
 * Applies `changes` to `doc` (or to a fresh document holding `base` when the old front matter
 * was unusable) and renders the whole file around `body`. A change of `null` deletes the key.
 */
export function renderFrontmatterFile(
  doc: Document | null,
  base: Record<string, string>,
  changes: Record<string, string | null>,
  body: string,
): string {
  const target = doc ?? new Document(base);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) target.delete(key);
    else target.set(key, value);
  }
  let yamlText: string;
  if (target.contents === null || (isMap(target.contents) && target.contents.items.length === 0)) {
    // yaml prints an empty document as `null` or `{}`; keep only the owner's comments instead.
    const lines = [
      ...commentLines(target.commentBefore),
      ...commentLines(isMap(target.contents) ? target.contents.commentBefore : null),
      ...commentLines(target.comment),
    ];
    yamlText = lines.length > 0 ? `${lines.join('\n')}\n` : '';
  } else {
    yamlText = target.toString();
    // A `%YAML` directive makes yaml print its own `---` line, which would end our front matter
    // early on the next read; re-emit the plain data instead (comments are lost in that case).
    if (CLOSE.test(yamlText)) yamlText = new Document(target.toJS()).toString();
    if (!yamlText.endsWith('\n')) yamlText += '\n';
  }
  return `---\n${yamlText}---\n${body}`;
}
