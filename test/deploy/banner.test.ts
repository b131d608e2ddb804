/**
 * The start-up banners docs/deploy/README.md quotes (blocks after `<!-- banner: NAME -->`) are
 * what `moltis serve` really prints for that section's commands: each quoted line must appear in
 * the real output once ports, directories, the setup code, its expiry time and the version are
 * mapped to the values the docs show.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, killAll, removeDirs, startCli, tempDirs } from '../cli/harness.js';
import { VERSION } from '../../src/server/index.js';

after(killAll);

const README = readFileSync(fileURLToPath(new URL('../../docs/deploy/README.md', import.meta.url)), 'utf8');

/** The quoted banner of section `name`, common indentation removed. */
function banner(name: string): string[] {
  const m = new RegExp(`<!-- banner: ${name} -->\\n( *)\`\`\`text\\n([^]*?)\\n *\`\`\``).exec(README);
  assert.ok(m, `docs/deploy/README.md has no banner block "${name}"`);
  return m[2]!.split('\n').map((l) => l.slice(m[1]!.length).trimEnd());
}

/** Values that differ between the docs and a test run, mapped to one spelling on both sides. */
function normalize(line: string): string {
  return line
    .replace(/^moltis \S+ listening/, 'moltis <version> listening')
    .replace(/setup code: [A-Z0-9]{8}/, 'setup code: <code>')
    .replace(/started in \d+ ms\)$/, 'started in <n> ms)')
    .replace(/valid until [^,]+,/, 'valid until <time>,')
    // Hints name `npx moltis` when moltis is not on PATH (as in this test); the docs show the installed name.
    .replace(/`npx moltis /g, '`moltis ');
}

const LISTENING = /listening on https?:\/\/[^:]+:(\d+)[ \n]/;

const SCENARIOS: Array<{ name: string; args: string[]; env: (d: ReturnType<typeof tempDirs>) => Record<string, string>; dirs: (d: ReturnType<typeof tempDirs>) => Array<[string, string]> }> = [
  // Section 1: plain `moltis`, default directories under HOME.
  { name: 'local', args: [], env: () => ({}), dirs: (d) => [[d.home, '~']] },
  // Section 3 (and 4): behind a proxy, TLS off, the passkey RP from the environment.
  {
    name: 'proxy', args: ['--no-tls', '--config-dir', '<config>', '--data-dir', '<data>'],
    env: () => ({ MOLTIS_BEHIND_PROXY: 'true', MOLTIS_WEBAUTHN_RP_ID: 'moltis.example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://moltis.example.com' }),
    dirs: () => [],
  },
  // Section 5: the unit's environment plus /etc/moltis/moltis.env for a proxy.
  {
    name: 'service', args: [],
    env: (d) => ({ MOLTIS_CONFIG_DIR: d.configDir, MOLTIS_DATA_DIR: d.dataDir, MOLTIS_BEHIND_PROXY: 'true', MOLTIS_NO_TLS: 'true' }),
    dirs: (d) => [[d.configDir, '/etc/moltis'], [d.dataDir, '/var/lib/moltis']],
  },
];

describe('docs/deploy/README.md banners are what moltis prints', () => {
  for (const sc of SCENARIOS) {
    test(sc.name, async (t) => {
      const d = tempDirs();
      t.after(() => removeDirs(d));
      const args = ['serve', '--port', '0', ...sc.args.map((a) => (a === '<config>' ? d.configDir : a === '<data>' ? d.dataDir : a))];
      const p = startCli(args, cleanEnv(d, sc.env(d)));
      t.after(() => { p.child.kill('SIGKILL'); });
      const port = (await p.waitFor(LISTENING, 30_000))[1]!;
      await p.waitFor(/ {2}auth: [^\n]*\n(?: {2}setup code: [^\n]*\n)?/, 30_000);
      if (!/auth: tier 1/.test(p.stdout())) await p.waitFor(/setup code: /);
      let out = p.stdout();
      for (const [from, to] of sc.dirs(d)) out = out.split(from).join(to);
      out = out.split(`:${port}`).join(':13131');
      assert.ok(out.includes(`moltis ${VERSION} listening`));
      const printed = new Set(out.split('\n').map((l) => normalize(l.trimEnd())));
      const missing = banner(sc.name).filter((l) => !printed.has(normalize(l)));
      assert.deepEqual(missing, [], `quoted in docs/deploy/README.md but not printed:\n${missing.join('\n')}\n--- printed:\n${out}`);
    });
  }
});
