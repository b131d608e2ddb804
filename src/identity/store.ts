/**
 * The identity store: reads, seeds and updates IDENTITY.md, USER.md, SOUL.md and TOOLS.md at
 * the workspace root, and renders the system prompt from them.
 *
 * Threat: an agent that can rewrite its own identity files can be steered, by one injected web
 * page, into a personality that obeys the page. Here writes happen only through `update`
 * (reached by admin-scoped RPC), `protectedPaths` tells exec/file tools what they must refuse,
 * reads ignore symlinks (a planted link would leak its target into every prompt), and the
 * defaults never invite the agent to edit itself.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_IDENTITY, DEFAULT_SOUL, DEFAULT_TOOLS, IDENTITY_FILE_NAMES, defaultIdentityFile, defaultUserFile, type IdentityFileName } from './defaults.js';
import { IdentityError } from './errors.js';
import { IDENTITY_RULES, LIMITS, USER_RULES, textProblem, validatePatch } from './fields.js';
import { createExclusive, readCapped, writeAtomic } from './files.js';
import { parseFrontmatterFile, renderFrontmatterFile, type ParsedFrontmatterFile } from './frontmatter.js';
import { buildSystemPrompt } from './prompt.js';
import type { AgentIdentity, IdentityFiles, IdentityPatch, UserProfile } from './types.js';

/** Largest IDENTITY.md / USER.md we read: front matter plus a body as large as SOUL may be. */
const FRONTMATTER_FILE_MAX_BYTES = 2 * LIMITS.textBytes;

/** Options for {@link createIdentityStore}. */
export interface IdentityStoreOptions {
  /** Workspace root (`data_dir`); must already exist. */
  dataDir: string;
  /** Clock in ms, for the prompt's "current time" when none is passed. */
  now?: () => number;
}

/** Result of {@link IdentityStore.update}. */
export interface IdentityUpdateResult {
  /** File names actually rewritten (a patch equal to the current content writes nothing). */
  changed: IdentityFileName[];
  /** Problems with the previous content that the rewrite replaced (e.g. unparseable front matter). */
  warnings: string[];
}

/** Options for {@link IdentityStore.systemPrompt}. */
export interface SystemPromptOptions {
  now?: Date;
  toolNames?: string[];
  /** Untrusted turn: leave out the owner's profile (see prompt.ts). */
  untrusted?: boolean;
}

/** The object returned by {@link createIdentityStore}. */
export interface IdentityStore {
  /** Creates whichever of the four files are missing (0600); never overwrites. */
  ensureDefaults(): { created: IdentityFileName[] };
  /** Reads all four files; content problems become `warnings` and defaults, never exceptions. */
  read(): IdentityFiles;
  /**
   * Validates then applies `patch` (throws IdentityError INVALID_IDENTITY naming the field).
   * Callers audit `changed` and publish it on the event bus (invariant 9).
   */
  update(patch: IdentityPatch): IdentityUpdateResult;
  /** The system prompt for one turn, from the files as they are now. */
  systemPrompt(o?: SystemPromptOptions): string;
  /** Nothing to release (no handles are kept open); present for the createX/close convention. */
  close(): void;
}

/**
 * Absolute paths the agent's own tools must never write, rename, delete or link over.
 * Exec and file tools compare against these after resolving their own target path.
 */
export function protectedPaths(dataDir: string): string[] {
  const dir = resolve(dataDir);
  return IDENTITY_FILE_NAMES.map((name) => join(dir, name));
}

function tagged(fileName: string, problem: string | undefined, out: string[]): void {
  if (problem !== undefined) out.push(`${fileName}: ${problem}`);
}

/** Creates an identity store over `opts.dataDir`. */
export function createIdentityStore(opts: IdentityStoreOptions): IdentityStore {
  const dir = resolve(opts.dataDir);
  const clock = opts.now ?? Date.now;

  function assertDir(): void {
    let isDir = false;
    try { isDir = statSync(dir).isDirectory(); } catch { /* reported below */ }
    // Fail closed: never create the workspace ourselves (its owner decides where and with what mode).
    if (!isDir) throw new IdentityError('DATA_DIR_MISSING', `workspace directory ${dir} does not exist or is not a directory`);
  }

  function loadFrontmatter(name: 'IDENTITY.md' | 'USER.md', warnings: string[]): ParsedFrontmatterFile & { raw: string | null } {
    const rules = name === 'IDENTITY.md' ? IDENTITY_RULES : USER_RULES;
    const r = readCapped(join(dir, name), FRONTMATTER_FILE_MAX_BYTES);
    tagged(name, r.problem, warnings);
    if (r.text === null) return { doc: null, values: {}, body: '', warnings: [], raw: null };
    const parsed = parseFrontmatterFile(r.text, rules, name, name === 'USER.md');
    warnings.push(...parsed.warnings);
    return { ...parsed, raw: r.text };
  }

  function loadText(name: 'SOUL.md' | 'TOOLS.md', fallback: string, warnings: string[]): { text: string; raw: string | null } {
    const r = readCapped(join(dir, name), LIMITS.textBytes);
    tagged(name, r.problem, warnings);
    if (r.text === null) return { text: fallback, raw: null };
    const problem = textProblem(r.text);
    if (problem !== null) {
      warnings.push(`${name}: ${problem}; using the default`);
      return { text: fallback, raw: r.text };
    }
    return { text: r.text, raw: r.text };
  }

  function read(): IdentityFiles {
    const warnings: string[] = [];
    const id = loadFrontmatter('IDENTITY.md', warnings);
    const user = loadFrontmatter('USER.md', warnings);
    const soul = loadText('SOUL.md', DEFAULT_SOUL, warnings);
    const tools = loadText('TOOLS.md', DEFAULT_TOOLS, warnings);
    const identity: AgentIdentity = { ...DEFAULT_IDENTITY, ...id.values };
    return {
      identity,
      identityBody: id.body,
      user: { ...user.values } as UserProfile,
      userBody: user.body,
      soul: soul.text,
      tools: tools.text,
      warnings,
    };
  }

  function ensureDefaults(): { created: IdentityFileName[] } {
    assertDir();
    const contents: Record<IdentityFileName, string> = {
      'IDENTITY.md': defaultIdentityFile(),
      'USER.md': defaultUserFile(),
      'SOUL.md': DEFAULT_SOUL,
      'TOOLS.md': DEFAULT_TOOLS,
    };
    const created: IdentityFileName[] = [];
    for (const name of IDENTITY_FILE_NAMES) {
      if (createExclusive(dir, name, contents[name])) created.push(name);
    }
    return { created };
  }

  function updateFrontmatter(
    name: 'IDENTITY.md' | 'USER.md',
    part: Record<string, string | undefined>,
    warnings: string[],
  ): boolean {
    const loaded = loadFrontmatter(name, warnings);
    // A missing (or refused) file starts from the default template so its comments are kept.
    const base = loaded.raw === null
      ? parseFrontmatterFile(name === 'IDENTITY.md' ? defaultIdentityFile() : defaultUserFile(), {}, name)
      : loaded;
    // Unusable front matter is replaced by the effective values (defaults for IDENTITY.md).
    const fallback: Record<string, string> = name === 'IDENTITY.md' ? { ...DEFAULT_IDENTITY, ...loaded.values } : { ...loaded.values };
    const changes: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(part)) {
      if (value === undefined) continue;
      // USER.md: '' clears the field. IDENTITY.md: '' is a real value (e.g. no emoji); the
      // non-empty rule on name already refused the case where that would make no sense.
      changes[key] = value === '' && name === 'USER.md' ? null : value;
    }
    const next = renderFrontmatterFile(base.doc, fallback, changes, base.body);
    if (next === loaded.raw) return false;
    writeAtomic(dir, name, next);
    return true;
  }

  function update(patch: IdentityPatch): IdentityUpdateResult {
    const p = validatePatch(patch);
    assertDir();
    const changed: IdentityFileName[] = [];
    const warnings: string[] = [];
    if (p.identity !== undefined && updateFrontmatter('IDENTITY.md', p.identity, warnings)) changed.push('IDENTITY.md');
    if (p.user !== undefined && updateFrontmatter('USER.md', p.user, warnings)) changed.push('USER.md');
    for (const [name, text] of [['SOUL.md', p.soul], ['TOOLS.md', p.tools]] as const) {
      if (text === undefined) continue;
      const current = readCapped(join(dir, name), LIMITS.textBytes);
      if (current.text === text) continue;
      tagged(name, current.problem, warnings);
      writeAtomic(dir, name, text);
      changed.push(name);
    }
    return { changed, warnings };
  }

  function systemPrompt(o: SystemPromptOptions = {}): string {
    return buildSystemPrompt(read(), {
      now: o.now ?? new Date(clock()),
      ...(o.toolNames !== undefined ? { toolNames: o.toolNames } : {}),
      ...(o.untrusted !== undefined ? { untrusted: o.untrusted } : {}),
    });
  }

  return { ensureDefaults, read, update, systemPrompt, close() {} };
}
