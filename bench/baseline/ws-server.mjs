// Baseline for the WebSocket figure: a bare `ws` server (the same package the gateway uses,
// same 512 KiB frame limit) that parses every JSON request frame and answers it with a `res`
// frame shaped like the gateway's `health` response, `connect` included. No auth, no dispatch.
// Prints `listening on <url>`; exits on SIGTERM. Always bound to 127.0.0.1, ephemeral port.
import { WebSocketServer } from 'ws';

const startedAt = Date.now();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 512 * 1024 }, () => {
  process.stdout.write(`listening on ws://127.0.0.1:${wss.address().port}\n`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    let f;
    try { f = JSON.parse(String(data)); } catch { ws.close(1008, 'bad frame'); return; }
    ws.send(JSON.stringify({ type: 'res', id: f.id, ok: true, payload: { ok: true, uptimeMs: Date.now() - startedAt } }));
  });
});
process.once('SIGTERM', () => { for (const c of wss.clients) c.terminate(); wss.close(); });
