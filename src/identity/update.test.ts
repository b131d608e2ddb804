import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDENTITY, IDENTITY_FILE_NAMES, IdentityError, createIdentityStore } from './index.js';

function workspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');
const noTempFiles = (dir: string): void => assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);

test('update identity: only patched keys change; comments, unknown keys and body survive', (t) => {
  const dir = workspace(t);
  const body = '\n# About me\n\nI live in a  tide pool.\r\nTrailing spaces   \n';
  writeFileSync(join(dir, 'IDENTITY.md'), `---\n# owner comment\nname: Clawd # inline\nemoji: 🦀\ntheme: legacy theme\n---\n${body}`);
  const store = createIdentityStore({ dataDir: dir });
  assert.deepEqual(store.update({ identity: { name: 'Pinchy', vibe: 'cheerful' } }), { changed: ['IDENTITY.md'], warnings: [] });
  const text = read(dir, 'IDENTITY.md');
  assert.ok(text.endsWith(`---\n${body}`), 'body preserved byte for byte');
  assert.match(text, /# owner comment/);
  assert.match(text, /theme: legacy theme/);
  const files = store.read();
  assert.deepEqual(files.identity, { name: 'Pinchy', emoji: '🦀', creature: DEFAULT_IDENTITY.creature, vibe: 'cheerful' });
  assert.equal(files.identityBody, body);
  assert.deepEqual(files.warnings, []);
  // An empty emoji is a real value (no emoji), not "use the default".
  store.update({ identity: { emoji: '' } });
  assert.equal(store.read().identity.emoji, '');
  noTempFiles(dir);
});

test('update user: set, clear with empty string, multi-line notes round-trip', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  store.ensureDefaults();
  const notes = 'first line\n---\nthird line: with colon';
  assert.deepEqual(store.update({ user: { name: 'Ada', timezone: 'Asia/Tokyo', notes } }).changed, ['USER.md']);
  assert.deepEqual(store.read().user, { name: 'Ada', timezone: 'Asia/Tokyo', notes });
  assert.match(read(dir, 'USER.md'), /# About you/); // template comments kept
  store.update({ user: { timezone: '', notes: '' } });
  assert.deepEqual(store.read().user, { name: 'Ada' });
  store.update({ user: { name: '' } });
  assert.deepEqual(store.read().user, {});
  assert.match(read(dir, 'USER.md'), /^---\n# About you[^]*\n---\n$/);
  assert.deepEqual(store.read().warnings, []);
});

test('update soul and tools; an identical patch writes nothing', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  store.ensureDefaults();
  assert.deepEqual(store.update({ soul: 'Be brief.\n', tools: 'Use exec sparingly.\n' }).changed, ['SOUL.md', 'TOOLS.md']);
  assert.equal(read(dir, 'SOUL.md'), 'Be brief.\n');
  assert.equal(read(dir, 'TOOLS.md'), 'Use exec sparingly.\n');
  const before = statSync(join(dir, 'SOUL.md')).ino;
  assert.deepEqual(store.update({ soul: 'Be brief.\n', identity: { name: 'Moltis' } }).changed, []);
  assert.equal(statSync(join(dir, 'SOUL.md')).ino, before);
  assert.deepEqual(store.update({}).changed, []);
});

test('update creates missing files and works without ensureDefaults', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  assert.deepEqual(store.update({ identity: { name: 'Nova' }, user: { name: 'Bo' } }).changed, ['IDENTITY.md', 'USER.md']);
  assert.deepEqual(store.read().identity, { ...DEFAULT_IDENTITY, name: 'Nova' });
  assert.deepEqual(store.read().user, { name: 'Bo' });
  assert.equal(statSync(join(dir, 'IDENTITY.md')).mode & 0o777, 0o600);
});

test('update over unparseable front matter rebuilds it, keeps the body and warns', (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'IDENTITY.md'), '---\nname: [broken\n---\nkeep me\n');
  const store = createIdentityStore({ dataDir: dir });
  const r = store.update({ identity: { vibe: 'mellow' } });
  assert.deepEqual(r.changed, ['IDENTITY.md']);
  assert.match(r.warnings.join('\n'), /invalid YAML front matter/);
  const files = store.read();
  assert.deepEqual(files.identity, { ...DEFAULT_IDENTITY, vibe: 'mellow' });
  assert.equal(files.identityBody, 'keep me\n');
  assert.deepEqual(files.warnings, []);
});

test('update replaces a planted symlink instead of writing through it', (t) => {
  const dir = workspace(t);
  const target = join(dir, 'elsewhere.txt');
  writeFileSync(target, 'untouched');
  symlinkSync(target, join(dir, 'SOUL.md'));
  const store = createIdentityStore({ dataDir: dir });
  store.update({ soul: 'owner soul' });
  assert.equal(readFileSync(target, 'utf8'), 'untouched');
  assert.equal(lstatSync(join(dir, 'SOUL.md')).isSymbolicLink(), false);
  assert.equal(store.read().soul, 'owner soul');
});

test('a failed write leaves the old file and no temp file', (t) => {
  const dir = workspace(t);
  const store = createIdentityStore({ dataDir: dir });
  store.ensureDefaults();
  rmSync(join(dir, 'TOOLS.md'));
  mkdirSync(join(dir, 'TOOLS.md')); // rename(file, non-empty dir) fails
  writeFileSync(join(dir, 'TOOLS.md', 'x'), '');
  assert.throws(() => store.update({ tools: 'new' }));
  noTempFiles(dir);
  assert.deepEqual(readdirSync(dir).sort(), [...IDENTITY_FILE_NAMES].sort());
});

const invalid: Array<[string, unknown, string]> = [
  ['unknown part', { persona: 'x' }, 'persona'],
  ['unknown identity key', { identity: { theme: 'x' } }, 'identity.theme'],
  ['unknown user key', { user: { latitude: '1' } }, 'user.latitude'],
  ['identity not an object', { identity: ['x'] }, 'identity'],
  ['patch not an object', 'soul', 'patch'],
  ['name too long', { identity: { name: 'n'.repeat(101) } }, 'identity.name'],
  ['name empty', { identity: { name: '  ' } }, 'identity.name'],
  ['name multi-line', { identity: { name: 'a\nb' } }, 'identity.name'],
  ['creature with U+2028', { identity: { creature: 'a\u2028b' } }, 'identity.creature'],
  ['vibe with NUL', { identity: { vibe: 'a\u0000' } }, 'identity.vibe'],
  ['emoji too long', { identity: { emoji: '🦞'.repeat(17) } }, 'identity.emoji'],
  ['non-string field', { identity: { name: 7 } }, 'identity.name'],
  ['null field', { user: { name: null } }, 'user.name'],
  ['user name too long', { user: { name: 'a'.repeat(201) } }, 'user.name'],
  ['pronouns multi-line', { user: { pronouns: 'she\nher' } }, 'user.pronouns'],
  ['notes too long', { user: { notes: 'a'.repeat(2001) } }, 'user.notes'],
  ['notes with NUL', { user: { notes: 'a\u0000' } }, 'user.notes'],
  ['bad time zone', { user: { timezone: 'Mars/Base' } }, 'user.timezone'],
  ['bad locale', { user: { locale: 'not a locale!' } }, 'user.locale'],
  ['soul too big', { soul: 'é'.repeat(16 * 1024 + 1) }, 'soul'],
  ['tools with NUL', { tools: 'a\u0000b' }, 'tools'],
  ['soul not a string', { soul: 1 }, 'soul'],
];

for (const [label, patch, field] of invalid) {
  test(`update refuses: ${label}`, (t) => {
    const dir = workspace(t);
    const store = createIdentityStore({ dataDir: dir });
    store.ensureDefaults();
    const before = IDENTITY_FILE_NAMES.map((n) => read(dir, n));
    assert.throws(
      // A valid part next to the invalid one proves validation happens before any write.
      () => store.update((typeof patch === 'object' ? { identity: { name: 'Changed' }, ...patch } : patch) as never),
      (e: unknown) => e instanceof IdentityError && e.code === 'INVALID_IDENTITY' && e.field === field && e.message.startsWith(field),
    );
    assert.deepEqual(IDENTITY_FILE_NAMES.map((n) => read(dir, n)), before);
  });
}

test('limits are inclusive: exactly at the limit is accepted', (t) => {
  const store = createIdentityStore({ dataDir: workspace(t) });
  const r = store.update({
    identity: { name: 'n'.repeat(100), emoji: '🦞'.repeat(16) },
    user: { name: 'u'.repeat(200), notes: 'x\n'.repeat(1000) },
    soul: 'é'.repeat(16 * 1024),
  });
  assert.deepEqual(r.changed, ['IDENTITY.md', 'USER.md', 'SOUL.md']);
  assert.deepEqual(store.read().warnings, []);
});
