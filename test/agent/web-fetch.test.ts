/**
 * web_fetch through the agent, against local servers with an injected resolver: the public
 * target is fetched; private, encoded and redirected-to-private targets are blocked and audited.
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { finalOrError } from '../support/chat.js';


describe('web_fetch', () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let site: http.Server;
  let port = 0;
  let c: WsClient;
  before(async () => {
    site = http.createServer((req, res) => {
      if (req.url === '/to-private') { res.writeHead(302, { location: 'http://10.0.0.7/secret' }); res.end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`hello from ${req.headers.host}`);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    port = (site.address() as AddressInfo).port;
    llm = await startScriptedLlm();
    // "public.test" stands for a public site; tests may only dial loopback, so 127.0.0.1 is opened
    // through the allowlist — exactly the mechanism users have for trusted private ranges.
    s = await startTestServer({
      toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["m"]\n[tools.web.fetch]\nssrf_allowlist = ["127.0.0.1/32"]\n`,
      lookup: async (host) => (host === 'public.test' ? [{ address: '127.0.0.1', family: 4 }] : host === 'internal.test' ? [{ address: '10.0.0.9', family: 4 }] : []),
    });
    const cookie = await setupPassword(s);
    c = await WsClient.open(wsUrl(s.url));
    await c.connect({ api_key: (await createKey(s, cookie, ['operator.read', 'operator.write'])).key });
    await c.request('subscribe', { events: ['chat'] });
  });
  after(async () => { c.close(); await s.stop(); await llm.close(); await new Promise((r) => site.close(r)); });

  async function fetchVia(url: string): Promise<any> {
    llm.script({ toolCalls: [{ name: 'web_fetch', arguments: { url } }] }, { text: 'ok' });
    const r = await c.request('chat.send', { sessionKey: 'web', text: `fetch ${url}` });
    await c.next(finalOrError(r.payload.runId), 10_000);
    return JSON.parse(llm.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content);
  }

  test('an allowed address is fetched, addressed by its name', async () => {
    const r = await fetchVia(`http://public.test:${port}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body, `hello from public.test:${port}`);
  });
  for (const url of ['http://internal.test/', 'http://10.0.0.5/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:10.0.0.1]/']) {
    test(`${url} is blocked`, async () => {
      const r = await fetchVia(url);
      assert.equal(r.code, 'SSRF_BLOCKED', JSON.stringify(r));
    });
  }
  test('a redirect to a private address is blocked, and the denial is audited', async () => {
    const r = await fetchVia(`http://public.test:${port}/to-private`);
    assert.equal(r.code, 'SSRF_BLOCKED');
    const rows = s.auth.auditList({ type: 'network_denied' });
    assert.ok(rows.some((x) => x.detail!.includes('to-private')));
  });
  test('file: and other schemes are refused', async () => {
    const r = await fetchVia('file:///etc/passwd');
    assert.equal(r.code, 'BAD_URL');
  });
});
