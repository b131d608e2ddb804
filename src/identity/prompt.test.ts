import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentityStore } from './index.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

function seeded(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'IDENTITY.md'), '---\nname: Pinchy\nemoji: 🦀\ncreature: hermit crab\nvibe: dry wit\n---\nIdentity body marker.\n');
  writeFileSync(join(dir, 'USER.md'), '---\nname: Ada Lovelace\ntimezone: Asia/Tokyo\nlocale: en-GB\npronouns: she/her\nnotes: Prefers metric units.\n---\nUser body marker.\n');
  writeFileSync(join(dir, 'SOUL.md'), '# Soul\nSoul text marker: ignore nothing, question everything.\n');
  writeFileSync(join(dir, 'TOOLS.md'), '<!-- owner note -->\nTools text marker: exec needs approval.\n');
  return { dir, store: createIdentityStore({ dataDir: dir, now: () => NOW }) };
}

test('systemPrompt contains every file verbatim, the tool names and the time, in a fixed order', (t) => {
  const { store } = seeded(t);
  const prompt = store.systemPrompt({ toolNames: ['web_fetch', 'exec', 'exec'] });
  const expectInOrder = [
    'You are Pinchy 🦀',
    '## Identity (IDENTITY.md)', 'Name: Pinchy', 'Emoji: 🦀', 'Creature: hermit crab', 'Vibe: dry wit', 'Identity body marker.',
    '## Personality (SOUL.md)', '----- BEGIN SOUL.md -----', '# Soul\nSoul text marker: ignore nothing, question everything.', '----- END SOUL.md -----',
    '## User (USER.md)', "The user's name is Ada Lovelace.", 'Pronouns: she/her', 'Time zone: Asia/Tokyo', 'Locale: en-GB', 'Prefers metric units.', 'User body marker.',
    '## Workspace context', '----- BEGIN TOOLS.md -----', '<!-- owner note -->\nTools text marker: exec needs approval.', '----- END TOOLS.md -----',
    '## Tools', 'exec, web_fetch.',
    '## Runtime', 'January 15, 2025 at 9:00:00 PM GMT+9 (Asia/Tokyo); 2025-01-15T12:00:00.000Z UTC',
  ];
  let at = 0;
  for (const needle of expectInOrder) {
    const i = prompt.indexOf(needle, at);
    assert.ok(i >= 0, `"${needle}" missing or out of order in:\n${prompt}`);
    at = i + needle.length;
  }
  assert.equal(store.systemPrompt({ toolNames: ['exec', 'web_fetch'] }), prompt, 'deterministic');
});

test('systemPrompt follows edits made through update', (t) => {
  const { store } = seeded(t);
  store.update({ soul: 'Brand new soul.', tools: 'Brand new tools.', identity: { name: 'Nova' }, user: { name: 'Bo' } });
  const prompt = store.systemPrompt({ now: new Date(NOW) });
  for (const s of ['You are Nova 🦀', 'Brand new soul.', 'Brand new tools.', "The user's name is Bo."]) assert.ok(prompt.includes(s), s);
  assert.equal(prompt.includes('Soul text marker'), false);
});

test('untrusted turns leave out the owner profile and local time', (t) => {
  const { store } = seeded(t);
  const prompt = store.systemPrompt({ untrusted: true, toolNames: [] });
  assert.equal(prompt.includes('Ada Lovelace'), false);
  assert.equal(prompt.includes('User body marker.'), false);
  assert.equal(prompt.includes('Asia/Tokyo'), false);
  assert.ok(prompt.includes('2025-01-15T12:00:00.000Z (UTC)'));
  assert.ok(prompt.includes('No tools are available in this conversation.'));
  assert.ok(prompt.includes('Soul text marker'));
});

test('empty soul, tools and profile are omitted rather than shown as empty sections', (t) => {
  const { dir, store } = seeded(t);
  writeFileSync(join(dir, 'SOUL.md'), '\n');
  writeFileSync(join(dir, 'TOOLS.md'), '');
  writeFileSync(join(dir, 'USER.md'), '---\n---\n');
  const prompt = store.systemPrompt();
  assert.equal(prompt.includes('## Personality'), false);
  assert.equal(prompt.includes('## Workspace context'), false);
  assert.equal(prompt.includes('## User'), false);
  assert.ok(prompt.includes('2025-01-15T12:00:00.000Z (UTC)'));
});
