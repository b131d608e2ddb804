/**
 * The exec tool through the real gateway with the default sandbox (`backend = "auto"`): the
 * backend is probed and reported, commands run isolated per session, the data dir (database,
 * identity files) is invisible, and the owner's vault env vars reach the command.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { finalOrError, lastToolResult } from '../support/chat.js';

const HAVE_BWRAP = existsSync('/usr/bin/bwrap');

describe('exec in the sandbox, through the gateway', { skip: HAVE_BWRAP ? false : 'bubblewrap is not installed (apt install bubblewrap)' }, () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let user: WsClient;
  before(async () => {
    llm = await startScriptedLlm();
    // "never": sandboxed commands run without asking, so the test needs no approver.
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_mode = "never"\n` });
    const cookie = await setupPassword(s);
    const r = await fetch(`${s.url}/api/env`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ key: 'MY_TOKEN', value: 'tok-123' }) });
    assert.equal(r.status, 200, await r.text());
    user = await WsClient.open(wsUrl(s.url));
    assert.equal((await user.connect({ api_key: (await createKey(s, cookie, ['operator.read', 'operator.write'])).key })).ok, true);
    assert.equal((await user.request('subscribe', { events: ['chat'] })).ok, true);
  });
  after(async () => { user.close(); await s.stop(); await llm.close(); });

  async function run(sessionKey: string, command: string): Promise<{ status: string; stdout: string; stderr: string; exitCode: number | null; sandbox: string }> {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command } }] }, { text: 'ok' });
    const r = await user.request('chat.send', { sessionKey, text: 'run it' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await user.next(finalOrError(r.payload.runId), 20_000);
    return lastToolResult(llm);
  }

  test('auto picks a working isolated backend and sandbox.status reports it', async () => {
    const r = await user.request('sandbox.status', {});
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.payload.isolated, true);
    assert.equal(r.payload.fallback, false);
    assert.ok(['bwrap', 'podman', 'docker'].includes(r.payload.backend), r.payload.backend);
    assert.equal(r.payload.network, 'none');
    assert.deepEqual([r.payload.limits.memory, r.payload.limits.cpuQuota, r.payload.limits.pidsMax], ['512M', 1, 256]);
  });

  test('the command runs in /workspace with a private home and the vault env var', async () => {
    const res = await run('one', 'pwd; echo "$HOME"; echo "$MY_TOKEN"');
    assert.equal(res.status, 'completed');
    assert.equal(res.stdout, '/workspace\n/home/sandbox\ntok-123\n');
    assert.notEqual(res.sandbox, 'host');
  });

  test('the data dir is invisible: no database, no identity files, no other workspaces', async () => {
    const db = join(s.dirs.dataDir, 'moltis.db');
    assert.ok(existsSync(db));
    const res = await run('one', `cat ${db} | head -c 16; ls ${s.dirs.dataDir}; ls ${s.dirs.configDir}; cat /workspace/../moltis.db; ls /`);
    assert.doesNotMatch(res.stdout, /SQLite format/);
    assert.doesNotMatch(res.stdout, /moltis\.db|IDENTITY\.md|moltis\.toml/);
  });

  test('one session cannot see another session\'s files', async () => {
    assert.equal((await run('alpha', 'echo secret-a > a.txt; echo secret-h > ~/h.txt; cat a.txt')).stdout, 'secret-a\n');
    const res = await run('beta', 'ls /workspace /home/sandbox; cat /workspace/a.txt ~/h.txt; find / -name a.txt 2>/dev/null');
    assert.doesNotMatch(res.stdout, /secret-|a\.txt|h\.txt/);
    assert.equal((await run('alpha', 'cat a.txt ~/h.txt')).stdout, 'secret-a\nsecret-h\n');
  });

  test('no network: the gateway port and loopback are unreachable from a command', async () => {
    const port = new URL(s.url).port;
    const res = await run('one', `curl -s -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:${port}/health; echo " exit=$?"`);
    assert.match(res.stdout, /exit=(7|28)\b/, res.stdout);
  });
});
