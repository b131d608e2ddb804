/**
 * Revoking a credential stops what it started, over real WebSockets with a scripted model: the
 * key's running turn is aborted and its pending approval is denied, so approving it afterwards
 * runs nothing.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { WsClient, wsUrl, type Frame } from '../support/ws.js';
import { connect } from '../support/chat.js';

const requested = (f: Frame) => f.type === 'event' && f.event === 'exec.approval.requested';

describe('revocation cancels turns and approvals', () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let cookie: string;
  let approver: WsClient;
  before(async () => {
    llm = await startScriptedLlm();
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_timeout_secs = 30\n` });
    cookie = await setupPassword(s);
    // An approvals-only bot: it cannot `subscribe` (operator.read) and receives what its scope allows.
    approver = await WsClient.open(wsUrl(s.url));
    assert.equal((await approver.connect({ api_key: (await createKey(s, cookie, ['operator.approvals'])).key })).ok, true);
  });
  after(async () => { approver.close(); await s.stop(); await llm.close(); });

  test('a revoked key\'s pending approval is denied and its turn ends; approving later runs nothing', async () => {
    const k = await createKey(s, cookie, ['operator.read', 'operator.write']);
    const user = await connect(s, k.key, ['chat', 'agent']);
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'rm -rf ./victim; touch ran-after-revoke.txt' } }] }, { text: 'done' });
    const sent = await user.request('chat.send', { sessionKey: 'revoke-me', text: 'go' });
    assert.equal(sent.ok, true, JSON.stringify(sent));
    const req = await approver.next(requested, 10_000);
    assert.equal(req.payload.sessionKey, 'revoke-me');

    const del = await fetch(`${s.url}/api/auth/api-keys/${k.id}`, { method: 'DELETE', headers: { cookie } });
    assert.equal(del.status, 200);

    const resolved = await approver.next((f) => f.event === 'exec.approval.resolved' && f.payload.requestId === req.payload.requestId, 5000);
    assert.equal(resolved.payload.decision, 'deny');
    const late = await approver.request('exec.approval.resolve', { requestId: req.payload.requestId, decision: 'approve' });
    assert.equal(late.ok, false);
    assert.equal(late.error!.code, 'NOT_FOUND');
    await new Promise((r) => setTimeout(r, 300));
    const root = join(s.dirs.dataDir, 'workspaces');
    const ran = existsSync(root) && readdirSync(root).some((d) => existsSync(join(root, d, 'ran-after-revoke.txt')));
    assert.equal(ran, false, 'the command must not run after its key was revoked');
    assert.equal(s.agent.activeRuns(), 0);
  });
});
