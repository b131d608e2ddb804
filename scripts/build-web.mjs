#!/usr/bin/env node
// Bundles the web UI (web/src/main.tsx + web/styles.css) with esbuild into dist/web/:
// app.[hash].js, styles.[hash].css and index.html referencing them. Hashed names let the
// server cache assets forever; index.html itself is never cached.
// Output is written to a temp dir and renamed in, so a concurrent reader (or a second build)
// never sees a half-written index.html.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, readdirSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
mkdirSync(join(root, 'dist'), { recursive: true });
const tmp = mkdtempSync(join(root, 'dist', '.web-'));
try {
  const r = await build({
    absWorkingDir: root,
    entryPoints: { app: 'web/src/main.tsx', styles: 'web/styles.css' },
    outdir: tmp,
    entryNames: '[name].[hash]',
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(r.metafile.outputs).map((p) => p.split('/').pop());
  const js = outputs.find((f) => /^app\.[A-Z0-9]+\.js$/i.test(f));
  const css = outputs.find((f) => /^styles\.[A-Z0-9]+\.css$/i.test(f));
  if (!js || !css) throw new Error(`unexpected esbuild outputs: ${outputs.join(', ')}`);
  const html = readFileSync(join(root, 'web', 'index.html'), 'utf8')
    .replace('%STYLES%', `/assets/${css}`)
    .replace('%APP%', `/assets/${js}`);
  mkdirSync(join(out, 'assets'), { recursive: true });
  for (const f of [js, css]) renameSync(join(tmp, f), join(out, 'assets', f));
  writeFileSync(join(tmp, 'index.html'), html);
  renameSync(join(tmp, 'index.html'), join(out, 'index.html'));
  // Drop assets of older builds (keep the current pair only).
  for (const f of readdirSync(join(out, 'assets'))) if (f !== js && f !== css) rmSync(join(out, 'assets', f), { force: true });
  console.log(`web UI built: dist/web/index.html, assets/${js}, assets/${css}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
