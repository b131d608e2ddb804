#!/usr/bin/env node
// Container health check: exit 0 when the gateway on this machine answers GET /health with
// {"ok":true}, else 1. Tries HTTPS first (the default; the certificate is the gateway's own, and
// the connection never leaves loopback, so it is not verified), then plain HTTP (--no-tls).
// Port: MOLTIS_HEALTH_PORT, else MOLTIS_SERVER__PORT, else 13131. Tested in test/deploy/.
import http from 'node:http';
import https from 'node:https';

const port = Number(process.env.MOLTIS_HEALTH_PORT || process.env.MOLTIS_SERVER__PORT || 13131);

function get(lib, extra) {
  return new Promise((resolve) => {
    const req = lib.get({ host: '127.0.0.1', port, path: '/health', timeout: 3000, ...extra }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        try { resolve(res.statusCode === 200 && JSON.parse(body).ok === true); } catch { resolve(false); }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const ok = (await get(https, { rejectUnauthorized: false })) || (await get(http, {}));
if (!ok) console.error(`moltis health check: no healthy gateway on 127.0.0.1:${port}`);
process.exit(ok ? 0 : 1);
