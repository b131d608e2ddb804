#!/usr/bin/env node
// Bundles the CLI and gateway (src/cli/main.ts and everything it imports) with esbuild into
// dist/cli/: main.js plus the chunks of what is imported lazily (`import()` stays lazy: each
// such module is its own chunk, loaded on first use). Why: unbundled, Node resolved, read and
// compiled ~800 files before the gateway could listen; one file starts several times faster.
//
// Left outside the bundle (loaded from node_modules at run time):
// - native and WASM packages, which locate their binaries relative to their own files;
// - the heavy SDKs the gateway only imports on first use (AI SDK, WebAuthn, chat platforms),
//   so their own dynamic requires keep working unchanged.
// Type checking is `npm run typecheck` (esbuild only strips types).
// Output is written to a temp dir and swapped in, so a running gateway or a concurrent build
// never sees half a bundle.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const OUT = 'cli';

/** Kept external: native/WASM (found beside their own files) and lazily imported SDKs. */
export const EXTERNAL = [
  'better-sqlite3', '@node-rs/argon2', 'web-tree-sitter', 'tree-sitter-bash',
  'ai', '@ai-sdk/*', '@simplewebauthn/server', 'grammy', '@slack/*',
];

// Sources find files next to themselves (`new URL('../../package.json', import.meta.url)`, the
// UI's dist/web, docs/sandbox/Containerfile, require.resolve of the grammar). In the bundle
// every module would share dist/cli/'s URL, so each source's import.meta.url is rewritten to
// where its own file sits in an unbundled dist/ (dist/<capability>/<file>.js): the same depth
// under the package root as under src/, which is what those relative paths assume.
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const asBuilt = join(dist, relative(join(root, 'src'), args.path)).replace(/\.ts$/, '.js');
      const rel = relative(join(dist, OUT), asBuilt).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

mkdirSync(dist, { recursive: true });
const tmp = mkdtempSync(join(dist, '.cli-'));
try {
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: tmp,
    // Every chunk beside main.js: the import.meta.url rewrite above assumes one directory.
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: EXTERNAL,
    // CommonJS packages inside an ESM bundle still call require() for Node built-ins.
    banner: { js: "import { createRequire as __moltisRequire } from 'node:module'; const require = __moltisRequire(import.meta.url);" },
    sourcemap: 'linked',
    // Drops comments too: one non-ASCII character in a comment made V8 hold the whole source as
    // UTF-16 (twice the memory, for the life of the process). Identifiers are kept for stack traces.
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [ownUrl],
  });
  // Swap in; leftovers of the older unbundled build (dist/<capability>/) go too, so nothing
  // stale can be imported by mistake. dist/web is the UI's (scripts/build-web.mjs).
  const old = join(dist, `.old-${process.pid}`);
  try { renameSync(join(dist, OUT), old); } catch { /* first build */ }
  chmodSync(tmp, 0o755); // mkdtemp made it owner-only; the gateway may run as another user
  renameSync(tmp, join(dist, OUT));
  rmSync(old, { recursive: true, force: true });
  for (const e of readdirSync(dist, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== OUT && e.name !== 'web' && !e.name.startsWith('.')) rmSync(join(dist, e.name), { recursive: true, force: true });
  }
  console.log(`gateway built: dist/${OUT}/main.js (${readdirSync(join(dist, OUT)).filter((f) => f.endsWith('.js')).length} files)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
