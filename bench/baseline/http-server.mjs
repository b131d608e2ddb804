// Baseline for the HTTP figures: a bare node:http (or node:https, when BENCH_TLS_CERT and
// BENCH_TLS_KEY name PEM files) server that answers every request with a small JSON body shaped
// like the gateway's `health` response. Plain JS so it runs under plain node, exactly like the
// built gateway. Prints `listening on <url>` once it accepts connections; exits on SIGTERM.
// Usage: node http-server.mjs [port]  (default 0 = ephemeral); always bound to 127.0.0.1.
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';

const startedAt = Date.now();
const certPath = process.env.BENCH_TLS_CERT;
const keyPath = process.env.BENCH_TLS_KEY;
const handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ type: 'res', id: 'http-rpc', ok: true, payload: { ok: true, uptimeMs: Date.now() - startedAt } });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
};
const server = certPath && keyPath
  ? createHttpsServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, handler)
  : createServer(handler);
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const scheme = certPath ? 'https' : 'http';
  process.stdout.write(`listening on ${scheme}://127.0.0.1:${server.address().port}\n`);
});
process.once('SIGTERM', () => { server.close(); server.closeAllConnections(); });
