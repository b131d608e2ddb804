import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEFAULT_IDENTITY, DEFAULT_SOUL, DEFAULT_TOOLS, IDENTITY_FILE_NAMES, IdentityError, createIdentityStore, protectedPaths } from './index.js';

function workspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const mode = (p: string): number => statSync(p).mode & 0o777;
const listing = (dir: string): string[] => readdirSync(dir).sort();

test('ensureDefaults creates the four files once, 0600, and never overwrites', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  assert.deepEqual(store.ensureDefaults().created, [...IDENTITY_FILE_NAMES]);
  assert.deepEqual(listing(dir), [...IDENTITY_FILE_NAMES].sort()); // no temp files left behind
  for (const name of IDENTITY_FILE_NAMES) assert.equal(mode(join(dir, name)), 0o600, name);
  assert.equal(readFileSync(join(dir, 'SOUL.md'), 'utf8'), DEFAULT_SOUL);
  assert.equal(readFileSync(join(dir, 'TOOLS.md'), 'utf8'), DEFAULT_TOOLS);

  writeFileSync(join(dir, 'SOUL.md'), 'my own soul\n');
  rmSync(join(dir, 'TOOLS.md'));
  assert.deepEqual(store.ensureDefaults().created, ['TOOLS.md']);
  assert.deepEqual(store.ensureDefaults().created, []);
  assert.equal(readFileSync(join(dir, 'SOUL.md'), 'utf8'), 'my own soul\n');
  assert.deepEqual(listing(dir), [...IDENTITY_FILE_NAMES].sort());
});

test('ensureDefaults refuses a missing workspace and never writes through a planted symlink', (t) => {
  const dir = workspace(t);
  const missing = createIdentityStore({ dataDir: join(dir, 'nope') });
  assert.throws(() => missing.ensureDefaults(), (e: unknown) => e instanceof IdentityError && e.code === 'DATA_DIR_MISSING');
  assert.equal(existsSync(join(dir, 'nope')), false);

  const outside = join(dir, 'outside.txt');
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  symlinkSync(outside, join(ws, 'SOUL.md')); // dangling link to a file the attacker wants created
  const created = createIdentityStore({ dataDir: ws }).ensureDefaults().created;
  assert.equal(created.includes('SOUL.md'), false);
  assert.equal(existsSync(outside), false);
});

test('read after defaults: default identity, empty profile, no warnings', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  store.ensureDefaults();
  const files = store.read();
  assert.deepEqual(files.identity, DEFAULT_IDENTITY);
  assert.equal(files.identity.name, 'Moltis');
  assert.deepEqual(files.user, {});
  assert.equal(files.identityBody, '');
  assert.equal(files.soul, DEFAULT_SOUL);
  assert.equal(files.tools, DEFAULT_TOOLS);
  assert.deepEqual(files.warnings, []);
});

test('read with no files at all falls back to defaults quietly', (t) => {
  const files = createIdentityStore({ dataDir: workspace(t) }).read();
  assert.deepEqual(files.identity, DEFAULT_IDENTITY);
  assert.deepEqual(files.user, {});
  assert.equal(files.soul, DEFAULT_SOUL);
  assert.deepEqual(files.warnings, []);
});

test('read parses hand-written front matter and keeps the body verbatim', (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'IDENTITY.md'), '---\nname: Clawd\nemoji: "🦀"\ncreature: crab\nvibe: dry wit\ntheme: legacy\n---\n\n# Notes\nLikes tide pools.\n');
  writeFileSync(join(dir, 'USER.md'), '---\nname: Ada\ntimezone: Europe/Paris\nlocale: fr-FR\npronouns: she/her\nnotes: |\n  line one\n  line two\n---\nBody about Ada.\n');
  writeFileSync(join(dir, 'SOUL.md'), '');
  const files = createIdentityStore({ dataDir: dir }).read();
  assert.deepEqual(files.identity, { name: 'Clawd', emoji: '🦀', creature: 'crab', vibe: 'dry wit' });
  assert.equal(files.identityBody, '\n# Notes\nLikes tide pools.\n');
  assert.deepEqual(files.user, { name: 'Ada', timezone: 'Europe/Paris', locale: 'fr-FR', pronouns: 'she/her', notes: 'line one\nline two\n' });
  assert.equal(files.userBody, 'Body about Ada.\n');
  assert.equal(files.soul, ''); // an empty SOUL.md is the owner's choice, not a missing file
  assert.deepEqual(files.warnings, []);
});

test('malformed YAML: warnings plus defaults, never an exception', (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'IDENTITY.md'), '---\nname: [unclosed\nemoji: x\n---\nbody stays\n');
  writeFileSync(join(dir, 'USER.md'), '---\nname: Ada\nname: Bob\n---\n');
  const files = createIdentityStore({ dataDir: dir }).read();
  assert.deepEqual(files.identity, DEFAULT_IDENTITY);
  assert.equal(files.identityBody, 'body stays\n');
  assert.deepEqual(files.user, {});
  assert.equal(files.warnings.length, 2);
  assert.match(files.warnings[0] ?? '', /^IDENTITY\.md: invalid YAML front matter/);
  assert.match(files.warnings[1] ?? '', /^USER\.md: invalid YAML front matter/);
});

test('bad individual fields fall back one by one; good fields survive', (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'IDENTITY.md'), `---\nname: 42\nemoji: "${'🦞'.repeat(17)}"\ncreature: "two\\nlines"\nvibe: fine\n---\n`);
  writeFileSync(join(dir, 'USER.md'), '---\nname: Ada\ntimezone: Mars/Olympus_Mons\nlocale: 12345678901\n---\n');
  const files = createIdentityStore({ dataDir: dir }).read();
  assert.deepEqual(files.identity, { ...DEFAULT_IDENTITY, vibe: 'fine' });
  assert.deepEqual(files.user, { name: 'Ada' });
  const w = files.warnings.join('\n');
  for (const needle of ['IDENTITY.md: name must be a string', 'IDENTITY.md: emoji must be at most 16', 'IDENTITY.md: creature must be a single line', 'USER.md: timezone unknown time zone', 'USER.md: locale must be a string']) {
    assert.ok(w.includes(needle), `missing warning "${needle}" in:\n${w}`);
  }
});

test('front matter that is missing, unclosed or not a map is reported', (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'IDENTITY.md'), '---\nname: Clawd\nno closing line\n');
  writeFileSync(join(dir, 'USER.md'), '---\n- a\n- b\n---\n');
  let files = createIdentityStore({ dataDir: dir }).read();
  assert.equal(files.identity.name, 'Moltis');
  assert.equal(files.identityBody, '---\nname: Clawd\nno closing line\n');
  assert.match(files.warnings.join('\n'), /IDENTITY\.md: front matter has no closing/);
  assert.match(files.warnings.join('\n'), /USER\.md: front matter is not a list of key: value pairs/);
  writeFileSync(join(dir, 'IDENTITY.md'), '- **Name:** Legba\n');
  files = createIdentityStore({ dataDir: dir }).read();
  assert.equal(files.identityBody, '- **Name:** Legba\n');
  assert.match(files.warnings.join('\n'), /IDENTITY\.md: no YAML front matter/);
});

test('symlinked, special and oversized files are ignored, not followed', (t) => {
  const dir = workspace(t);
  const secret = join(dir, 'secret-key');
  writeFileSync(secret, 'PRIVATE KEY MATERIAL');
  symlinkSync(secret, join(dir, 'SOUL.md'));
  execFileSync('mkfifo', [join(dir, 'TOOLS.md')]); // would block a plain open() forever
  writeFileSync(join(dir, 'USER.md'), `---\nnotes: x\n---\n${'a'.repeat(70 * 1024)}`);
  const store = createIdentityStore({ dataDir: dir });
  const files = store.read();
  assert.equal(files.soul, DEFAULT_SOUL);
  assert.equal(files.tools, DEFAULT_TOOLS);
  assert.deepEqual(files.user, {});
  assert.match(files.warnings.join('\n'), /SOUL\.md: is a symbolic link; ignored/);
  assert.match(files.warnings.join('\n'), /TOOLS\.md: is not a regular file; ignored/);
  assert.match(files.warnings.join('\n'), /USER\.md: is larger than 65536 bytes; ignored/);
  assert.equal(store.systemPrompt().includes('PRIVATE KEY MATERIAL'), false);

  rmSync(join(dir, 'TOOLS.md'));
  writeFileSync(join(dir, 'TOOLS.md'), 'x'.repeat(32 * 1024 + 1));
  assert.match(store.read().warnings.join('\n'), /TOOLS\.md: is larger than 32768 bytes/);
});

test('protectedPaths lists the four files as absolute paths', () => {
  const rel = relative(process.cwd(), join(tmpdir(), 'ws'));
  const paths = protectedPaths(rel);
  assert.deepEqual(paths, IDENTITY_FILE_NAMES.map((n) => join(tmpdir(), 'ws', n)));
  for (const p of paths) assert.ok(p.startsWith('/'), p);
});

test('files keep 0600 even when a later chmod widened them and an update rewrites them', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  store.ensureDefaults();
  chmodSync(join(dir, 'SOUL.md'), 0o644);
  store.update({ soul: 'new soul' });
  assert.equal(mode(join(dir, 'SOUL.md')), 0o600);
});
