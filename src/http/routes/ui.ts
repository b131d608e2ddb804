import type { FastifyInstance, FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_CSP } from '../headers.js';

/** Paths that answer with the single-page app (client-side routes). */
const UI_PAGES = ['/', '/login', '/onboarding', '/chat', '/cron', '/audit', '/settings', '/settings/*'] as const;

// Both src/http/routes (tsx) and dist/http/routes (built) sit three levels below the package root.
const DEFAULT_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));
// Hashed bundle names only: no path separators, no dot-dot, a known extension.
const ASSET_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9]+\.(js|css|svg|png|woff2)$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml', png: 'image/png', woff2: 'font/woff2',
};
const MISSING = 'The web UI is not built. Run `npm run build` (or `node scripts/build-web.mjs`) in the moltis directory, then reload.\n';

/**
 * The web UI: `GET /` and the SPA paths return index.html with the page CSP; `/assets/*` the hashed
 * bundle files, cached for a year. All public: the page holds no data, every API call it makes is
 * authenticated. A missing build answers 503 with how to build it.
 */
export function registerUiRoutes(app: FastifyInstance, deps: { dir?: string } = {}): void {
  const dir = deps.dir ?? DEFAULT_DIR;
  const page = async (_req: unknown, reply: FastifyReply) => {
    let html: string;
    try { html = await readFile(join(dir, 'index.html'), 'utf8'); } catch {
      return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(MISSING);
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('cache-control', 'no-cache')
      .send(html);
  };
  for (const p of UI_PAGES) app.get(p, page);

  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const name = req.params.file;
    const m = ASSET_RE.exec(name);
    let body: Buffer | null = null;
    if (m) { try { body = await readFile(join(dir, 'assets', name)); } catch { body = null; } }
    if (!m || !body) return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('not found\n');
    return reply
      .type(TYPES[m[1]!]!)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
      .send(body);
  });
}
