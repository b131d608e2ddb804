/**
 * Every TOML snippet of the product brief passes `moltis config check` and takes effect. The
 * snippets are extracted from the brief itself (a table header and the key lines under it, each
 * commented-out alternative as a variant of its own), plus the keys the brief names in prose.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { parseConfig } from '../../src/config/index.js';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs, ROOT } from './harness.js';

after(killAll);

/** The brief sits in the workspace's shared folder beside the repository. */
const BRIEF = join(ROOT, '..', 'shared', 'reference', 'seed-security-architecture.txt');

const HEADER = /^\[[a-z_.]+\]\s*(#.*)?$/;
const KEY_LINE = /^(#\s*)?[a-z_]+\s*=\s*\S/;

/** Table blocks as written, then one variant per commented-out alternative line. */
function extractSnippets(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!HEADER.test(lines[i]!)) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && KEY_LINE.test(lines[j]!); j++) body.push(lines[j]!);
    if (body.length === 0) continue;
    out.push([lines[i]!, ...body].join('\n'));
    body.forEach((l, k) => {
      if (!l.startsWith('#')) return;
      const uncommented = l.replace(/^#\s*/, '');
      const key = uncommented.split('=')[0]!.trim();
      // The alternative replaces the active line of the same key.
      const variant = body.map((x, m) => (m === k ? uncommented : x.split('=')[0]!.trim() === key && !x.startsWith('#') ? `# ${x}` : x));
      out.push([lines[i]!, ...variant].join('\n'));
    });
  }
  return out;
}

/** Keys the brief names in running text rather than in a block. */
const PROSE = [
  '[tools.exec.sandbox]\nno_network = true',
  '[tools.exec]\nsecurity_level = "full"',
  '[tools.exec]\nsecurity_level = "allowlist"',
  '[tools.exec]\nsecurity_level = "deny"',
  '[tools.exec]\napproval_mode = "never"',
];

/** A key's value in the parsed config, following the dotted table path. */
function at(cfg: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), cfg);
}

/** How a written key shows up in the validated config when it is not stored verbatim. */
const EFFECT: Record<string, (cfg: unknown, written: unknown) => void> = {
  'tools.exec.sandbox.no_network': (cfg, w) => assert.equal(at(cfg, ['tools', 'exec', 'sandbox', 'network']), w === true ? 'none' : at(cfg, ['tools', 'exec', 'sandbox', 'network'])),
};

function assertTakesEffect(snippet: string): void {
  const cfg = parseConfig(snippet, { env: {} });
  const written = parse(snippet) as Record<string, unknown>;
  const walk = (o: Record<string, unknown>, path: string[]) => {
    for (const [k, v] of Object.entries(o)) {
      const p = [...path, k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) { walk(v as Record<string, unknown>, p); continue; }
      const effect = EFFECT[p.join('.')];
      if (effect) { effect(cfg, v); continue; }
      const got = at(cfg, p);
      // Sizes ("512M") are stored as written or as bytes; either way the key was read.
      if (typeof v === 'string' && /^\d+[KMG]$/i.test(v)) { assert.notEqual(got, undefined, `${p.join('.')} was dropped`); continue; }
      assert.deepEqual(got, v, `${p.join('.')} = ${JSON.stringify(v)} did not take effect (got ${JSON.stringify(got)})`);
    }
  };
  walk(written, []);
}

test('every TOML snippet in the brief validates and takes effect', { skip: existsSync(BRIEF) ? false : `brief not found at ${BRIEF}` }, async () => {
  const snippets = [...extractSnippets(readFileSync(BRIEF, 'utf8')), ...PROSE];
  const tables = new Set(snippets.map((s) => s.split('\n')[0]));
  // The brief's own blocks: approvals, resource limits, cron (twice), cron sandbox, TLS, SSRF, auth, sandbox.
  for (const t of ['[tools.exec]', '[tools.exec.sandbox.resource_limits]', '[cron]', '[cron.job.sandbox]', '[tls]', '[tools.web.fetch]', '[auth]', '[tools.exec.sandbox]']) {
    assert.ok(tables.has(t), `no ${t} snippet was extracted: did the brief change?`);
  }
  const d = tempDirs();
  try {
    mkdirSync(d.configDir, { recursive: true });
    for (const snippet of snippets) {
      assert.doesNotThrow(() => assertTakesEffect(snippet), `snippet:\n${snippet}`);
      assertTakesEffect(snippet);
      writeFileSync(join(d.configDir, 'moltis.toml'), `${snippet}\n`);
      const r = await runCli(['config', 'check', '--config-dir', d.configDir], cleanEnv(d));
      assert.equal(r.code, 0, `config check refused:\n${snippet}\n${r.stdout}${r.stderr}`);
    }
  } finally { removeDirs(d); }
});

test('unknown keys next to the brief\'s keys are still errors', () => {
  assert.throws(() => parseConfig('[tools.exec.sandbox]\nno_network = true\nno_netwrok = true\n', { env: {} }), /no_netwrok/);
  assert.throws(() => parseConfig('[cron]\nrate_limit_max = 5\nrate_limt_window_secs = 300\n', { env: {} }), /rate_limt_window_secs/);
});
