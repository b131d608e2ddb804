/**
 * Maps key paths to where they are written in a TOML document, so validation errors can say
 * `moltis.toml:12:3`. The scanner only runs on text smol-toml already accepted; it is lenient
 * and always makes progress, so odd input gives a coarser position, never a hang or a throw.
 */

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A key path as zod reports it: table and key names, numbers for array indices. */
export type KeyPath = readonly (string | number)[];

const pathId = (path: KeyPath): string => path.map(String).join('\u0000');

/**
 * Indexes every table header, key (plain, dotted, quoted, inside inline tables) and array
 * element of `source`. The first definition of a path wins.
 */
export function indexToml(source: string): ReadonlyMap<string, Position> {
  const out = new Map<string, Position>();
  const lineStarts = [0];
  for (let k = 0; k < source.length; k++) if (source[k] === '\n') lineStarts.push(k + 1);
  const posOf = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  const record = (path: KeyPath, offset: number): void => {
    const id = pathId(path);
    if (!out.has(id)) out.set(id, posOf(offset));
  };

  const n = source.length;
  let i = 0;
  const at = (s: string): boolean => source.startsWith(s, i);
  const skipWs = (): void => {
    while (i < n && (source[i] === ' ' || source[i] === '\t' || source[i] === '\r')) i++;
  };
  const skipComment = (): void => {
    if (source[i] === '#') while (i < n && source[i] !== '\n') i++;
  };
  const skipBlank = (): void => {
    for (;;) {
      const start = i;
      skipWs();
      skipComment();
      if (source[i] === '\n') i++;
      if (i === start) return;
    }
  };
  const skipLine = (): void => {
    while (i < n && source[i] !== '\n') i++;
  };

  /** Skips a string starting at i; returns its decoded text for single-line strings. */
  const readString = (): string => {
    const start = i;
    if (at('"""') || at("'''")) {
      const q = source[i] as string;
      const fence = q.repeat(3);
      i += 3;
      while (i < n && !at(fence)) i += q === '"' && source[i] === '\\' ? 2 : 1;
      i += 3;
      // Up to two extra quotes right before the fence belong to the content.
      for (let extra = 0; extra < 2 && source[i] === q; extra++) i++;
      return source.slice(start, Math.min(i, n));
    }
    const q = source[i];
    i++;
    while (i < n && source[i] !== q && source[i] !== '\n') i += q === '"' && source[i] === '\\' ? 2 : 1;
    const body = source.slice(start + 1, i);
    if (source[i] === q) i++;
    if (q === "'") return body;
    try {
      return JSON.parse(`"${body}"`) as string;
    } catch {
      return body;
    }
  };

  /** Reads a (possibly dotted, possibly quoted) key; returns each segment with its offset. */
  const readKey = (): { name: string; offset: number }[] => {
    const parts: { name: string; offset: number }[] = [];
    for (;;) {
      skipWs();
      const offset = i;
      let name: string;
      if (source[i] === '"' || source[i] === "'") name = readString();
      else {
        while (i < n && /[A-Za-z0-9_-]/.test(source[i] as string)) i++;
        name = source.slice(offset, i);
      }
      if (i === offset) return parts;
      parts.push({ name, offset });
      skipWs();
      if (source[i] !== '.') return parts;
      i++;
    }
  };

  const recordKey = (base: KeyPath, parts: { name: string; offset: number }[]): KeyPath => {
    let path = base;
    for (const p of parts) {
      path = [...path, p.name];
      record(path, p.offset);
    }
    return path;
  };

  const readValue = (path: KeyPath): void => {
    skipWs();
    const c = source[i];
    if (c === '"' || c === "'") {
      readString();
    } else if (c === '[') {
      i++;
      for (let index = 0; ; index++) {
        skipBlank();
        if (i >= n || source[i] === ']') break;
        record([...path, index], i);
        const before = i;
        readValue([...path, index]);
        skipBlank();
        if (source[i] === ',') i++;
        else if (i === before) i++; // unexpected character: step over it
      }
      i++;
    } else if (c === '{') {
      i++;
      for (;;) {
        skipBlank();
        if (i >= n || source[i] === '}') break;
        const before = i;
        const parts = readKey();
        const keyPath = recordKey(path, parts);
        skipWs();
        if (source[i] === '=') {
          i++;
          readValue(keyPath);
        }
        skipBlank();
        if (source[i] === ',') i++;
        else if (i === before) i++;
      }
      i++;
    } else {
      while (i < n && !',]}#\n'.includes(source[i] as string)) i++;
    }
  };

  let table: KeyPath = [];
  const arrayTableCounts = new Map<string, number>();
  while (i < n) {
    skipBlank();
    if (i >= n) break;
    if (source[i] === '[') {
      const isArrayTable = source[i + 1] === '[';
      i += isArrayTable ? 2 : 1;
      table = recordKey([], readKey());
      if (isArrayTable) {
        const id = pathId(table);
        const index = arrayTableCounts.get(id) ?? 0;
        arrayTableCounts.set(id, index + 1);
        table = [...table, index];
      }
      skipLine();
      continue;
    }
    const start = i;
    const keyPath = recordKey(table, readKey());
    skipWs();
    if (source[i] === '=') {
      i++;
      readValue(keyPath);
    }
    if (i === start) i++;
    skipLine();
  }
  return out;
}

/**
 * Where `path` is written: the exact key or array element if present, else the nearest
 * enclosing key or table header, else 1:1. `exact` says which.
 */
export function locateKey(index: ReadonlyMap<string, Position>, path: KeyPath): Position & { exact: boolean } {
  for (let len = path.length; len > 0; len--) {
    const pos = index.get(pathId(path.slice(0, len)));
    if (pos) return { ...pos, exact: len === path.length };
  }
  return { line: 1, column: 1, exact: path.length === 0 };
}
