import http from 'node:http';
import https from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';

/** How the CLI reaches a running gateway. */
export interface ClientTarget { url: string; apiKey: string | null; ca: string | null }

/**
 * The running gateway's URL and credentials: `--url`/MOLTIS_GATEWAY_URL, else from moltis.toml
 * (bind, port, TLS); `--api-key`/MOLTIS_API_KEY; the local CA from `<config_dir>/certs/ca.pem`.
 */
export function resolveTarget(o: { url?: string; apiKey?: string; configDir: string }, env: Record<string, string | undefined> = process.env): ClientTarget {
  const caPath = join(o.configDir, 'certs', 'ca.pem');
  const ca = existsSync(caPath) ? readFileSync(caPath, 'utf8') : null;
  let url = o.url ?? env.MOLTIS_GATEWAY_URL;
  if (!url) {
    const { config } = loadConfig({ configDir: o.configDir, env, writeExample: false });
    const bind = config.server.bind;
    const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
    url = `${config.tls.enabled ? 'https' : 'http'}://${host}:${config.server.port}`;
  }
  return { url: url.replace(/\/+$/, ''), apiKey: o.apiKey ?? env.MOLTIS_API_KEY ?? null, ca };
}

/** One JSON request to the gateway; rejects with a readable message on network errors. */
export function callGateway(t: ClientTarget, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const u = new URL(path, t.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method,
      headers: {
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {}),
      },
      ...(t.ca ? { ca: t.ca } : {}),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { json = { error: text }; }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', (err) => reject(new Error(`cannot reach the gateway at ${t.url}: ${err.message} (is it running? set --url or MOLTIS_GATEWAY_URL)`)));
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Turns a gateway error answer into a message that says what to do. */
export function explain(status: number, json: { error?: string; code?: string } | null): string {
  const msg = json?.error ?? `HTTP ${status}`;
  if (status === 401) return `${msg}: pass an admin API key with --api-key or MOLTIS_API_KEY (create one with \`moltis auth create-api-key --label cli --scopes operator.admin\`)`;
  if (status === 403) return `${msg}: this command needs an API key with the operator.admin scope`;
  if (status === 423) return `${msg}: unlock it by logging in to the web UI, or POST /api/auth/vault/unlock {"password": …}`;
  return msg;
}
