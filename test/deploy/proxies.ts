/**
 * Real reverse proxies for the deployment tests: nginx and Caddy run unprivileged on loopback
 * ports with EXACTLY the recipe files users copy (docs/deploy/nginx.conf, docs/deploy/Caddyfile),
 * only host names, ports and paths substituted. The test-only settings (foreground, pid and temp
 * paths, no admin API, a local CA, loopback binds) live in a wrapper that `include`s / `import`s
 * the recipe, as a user's main nginx.conf or Caddyfile does. Always `await proxy.stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAutoTls } from '../../src/tls/index.js';
import { request } from '../support/http.js';

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';
/** The public host name the proxies serve; `*.localhost` is loopback for Chromium by definition. */
export const PUBLIC_HOST = 'moltis.localhost';
/** The recipes' placeholders, as docs/deploy/README.md tells users to replace them. */
export const PLACEHOLDER = { host: 'moltis.example.com', upstream: '127.0.0.1:13131' } as const;

const DOCS = fileURLToPath(new URL('../../docs/deploy/', import.meta.url));

/** Reason to skip, or false when the binary exists (`.ci/run` installs both). */
export const skipReason = (bin: string): string | false => (existsSync(bin) ? false : `${bin} is missing: install the Debian package (.ci/run does)`);

/** A free loopback TCP port (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The recipe file with its placeholders replaced. Every substitution must match at least once:
 * when the docs change a placeholder, the test fails instead of silently running another file.
 */
export function recipe(file: string, subs: ReadonlyArray<readonly [string, string]>): string {
  let text = readFileSync(join(DOCS, file), 'utf8');
  for (const [from, to] of subs) {
    if (!text.includes(from)) throw new Error(`docs/deploy/${file} no longer contains ${JSON.stringify(from)}: update the test's substitutions`);
    text = text.split(from).join(to);
  }
  return text;
}

/** Starts a proxy: `port` is the public HTTPS port (default: a free one). */
export type StartProxy = (o: { dir: string; upstreamPort: number; port?: number }) => Promise<RunningProxy>;

/** A proxy in front of the gateway. */
export interface RunningProxy {
  kind: 'nginx' | 'caddy';
  /** The public HTTPS port on 127.0.0.1. */
  port: number;
  /** The CA that signed the proxy's certificate for {@link PUBLIC_HOST}. */
  ca: string;
  /** `https://moltis.localhost:<port>`: the browser's origin. */
  origin: string;
  /** nginx only: the plain-HTTP port that redirects to HTTPS. */
  redirectPort: number | null;
  /** What the proxy printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

function run(bin: string, args: string[], dir: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(bin, args, { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return { child, output: () => out };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Waits until `/health` answers 200 through the proxy (its certificate may be issued after start). */
async function waitReady(p: Omit<RunningProxy, 'stop'>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${p.kind} exited with ${child.exitCode}:\n${p.output()}`);
    try {
      const r = await request(`https://127.0.0.1:${p.port}/health`, { ca: p.ca, headers: { host: `${PUBLIC_HOST}:${p.port}` } });
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${p.kind} not ready after 20 s (${last}):\n${p.output()}`);
}

/** nginx with docs/deploy/nginx.conf, TLS from a local CA made with the project's own PKI. */
export async function startNginx(o: { dir: string; upstreamPort: number; port?: number }): Promise<RunningProxy> {
  const dir = join(o.dir, 'nginx');
  mkdirSync(dir, { recursive: true });
  // Workers run as nginx's unprivileged user when started as root: they must reach the temp dirs.
  chmodSync(o.dir, 0o755);
  chmodSync(dir, 0o755);
  const tls = await ensureAutoTls({ certsDir: join(dir, 'certs'), names: [PUBLIC_HOST], ips: [] });
  const port = o.port ?? await freePort();
  const redirectPort = await freePort();
  const site = recipe('nginx.conf', [
    [`/etc/letsencrypt/live/${PLACEHOLDER.host}/fullchain.pem`, join(dir, 'certs', 'server.pem')],
    [`/etc/letsencrypt/live/${PLACEHOLDER.host}/privkey.pem`, join(dir, 'certs', 'server-key.pem')],
    [PLACEHOLDER.host, PUBLIC_HOST],
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
    [':443$request_uri', `:${port}$request_uri`],
    ['listen 80;', `listen 127.0.0.1:${redirectPort};`],
    [PLACEHOLDER.upstream, `127.0.0.1:${o.upstreamPort}`],
  ]);
  writeFileSync(join(dir, 'moltis.conf'), site);
  writeFileSync(join(dir, 'nginx.conf'), [
    'daemon off;', 'worker_processes 1;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`),
    `  include ${join(dir, 'moltis.conf')};`,
    '}', '',
  ].join('\n'));
  // -e: the log used before the config is read (the default, under /var/log, may not be writable).
  const { child, output } = run(NGINX, ['-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-p', dir], dir);
  const p = { kind: 'nginx' as const, port, ca: tls.caPem!, origin: `https://${PUBLIC_HOST}:${port}`, redirectPort, output: () => `${output()}${readLog(join(dir, 'error.log'))}` };
  try { await waitReady(p, child); } catch (err) { await stopChild(child); throw err; }
  return { ...p, stop: () => stopChild(child) };
}

/** Caddy with docs/deploy/Caddyfile; its automatic HTTPS issues the certificate from its local CA. */
export async function startCaddy(o: { dir: string; upstreamPort: number; port?: number }): Promise<RunningProxy> {
  const dir = join(o.dir, 'caddy');
  mkdirSync(dir, { recursive: true });
  const port = o.port ?? await freePort();
  const site = recipe('Caddyfile', [
    [PLACEHOLDER.host, `${PUBLIC_HOST}:${port}`],
    [PLACEHOLDER.upstream, `127.0.0.1:${o.upstreamPort}`],
  ]);
  writeFileSync(join(dir, 'moltis.Caddyfile'), site);
  const storage = join(dir, 'storage');
  writeFileSync(join(dir, 'Caddyfile'), [
    '{',
    '\tadmin off',
    '\tlocal_certs', // never ACME: certificates from Caddy's own local CA
    '\tskip_install_trust', // never touch the system trust store
    '\tauto_https disable_redirects', // no listener on port 80
    `\tstorage file_system ${storage}`,
    '\tdefault_bind 127.0.0.1',
    '}',
    `import ${join(dir, 'moltis.Caddyfile')}`, '',
  ].join('\n'));
  const { child, output } = run(CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], dir, { XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data') });
  const rootCa = join(storage, 'pki', 'authorities', 'local', 'root.crt');
  // The local CA is created at start; wait for it before the first TLS request.
  const deadline = Date.now() + 20_000;
  while (!existsSync(rootCa) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const p = { kind: 'caddy' as const, port, ca: existsSync(rootCa) ? readFileSync(rootCa, 'utf8') : '', origin: `https://${PUBLIC_HOST}:${port}`, redirectPort: null, output };
  try { await waitReady(p, child); } catch (err) { await stopChild(child); throw err; }
  return { ...p, stop: () => stopChild(child) };
}

function readLog(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}
