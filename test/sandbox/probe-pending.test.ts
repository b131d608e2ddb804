/**
 * Start-up no longer waits for the `auto` sandbox probe (engine processes): the gateway listens
 * first. The attack: a command the model sends while the probe is still running must not run
 * anywhere (least of all unsandboxed on the host) until the probe has chosen; and when the
 * choice is "no sandbox works", it then waits for a human like any fallback command.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, setupPassword, createKey } from '../support/server.js';
import { startScriptedLlm } from '../support/scripted-llm.js';
import { connect, finalOrError } from '../support/chat.js';

type Probe = { ok: boolean; reason: string };

describe('a command sent while the sandbox probe is still running', () => {
  test('waits for the choice, never runs on the host meanwhile, then needs approval on a fallback', async () => {
    const llm = await startScriptedLlm();
    const broken: Probe = { ok: false, reason: 'probe pinned to fail by the test' };
    let release!: (p: Probe) => void;
    const bwrap = new Promise<Probe>((resolve) => { release = resolve; });
    const s = await startTestServer({
      toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_timeout_secs = 1\n`,
      sandboxProbes: { bwrap: () => bwrap, oci: async () => broken, apple: async () => broken },
    });
    try {
      // Listening with the probe unanswered: start-up did not wait for it.
      assert.ok(!s.printed.some((l) => /sandbox: /.test(l)), s.printed.join('\n'));
      const cookie = await setupPassword(s);
      const c = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write', 'operator.approvals'])).key, ['chat', 'exec.approval.requested']);
      // `echo` runs at once in smart mode on a working sandbox; here nothing is chosen yet.
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo hello' } }] }, { text: 'ok' });
      const r = await c.request('chat.send', { sessionKey: 'pending', text: 'say hello' });
      assert.equal(r.ok, true, JSON.stringify(r));
      // The model asked for exec; give the tool time it would need to answer on its own.
      for (let i = 0; i < 200 && llm.requests.length < 1; i++) await sleep(50);
      await sleep(500);
      // Fail closed: no result reached the model (it would have asked for its second reply) and no approval was asked.
      assert.equal(llm.requests.length, 1, 'the exec tool answered before the sandbox was chosen');
      assert.ok(!c.frames.some((f) => f.event === 'exec.approval.requested'), JSON.stringify(c.frames));
      release(broken);
      await s.sandboxReady;
      assert.match(s.printed.join('\n'), /WARNING: .*no sandbox backend works here/);
      assert.equal((await c.next((f) => f.event === 'exec.approval.requested', 10_000)).payload.command, 'echo hello');
      await c.next(finalOrError(r.payload.runId), 10_000);
      c.close();
    } finally { release(broken); await s.stop(); await llm.close(); }
  });
});
