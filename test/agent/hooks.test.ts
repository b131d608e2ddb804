/**
 * Shell hooks on tool calls: a dcg-style guard that denies, a hook that blocks by exit code, a
 * guard that times out (blocked: fail closed), and a hook that modifies the call.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { finalOrError } from '../support/chat.js';


// A stand-in speaking dcg's hook protocol: JSON on stdin with tool_name/tool_input.command; to deny,
// print {"hookSpecificOutput":{"permissionDecision":"deny","permissionDecisionReason":…}} and exit 0.
const DCG = `#!/usr/bin/env node
let s = ''; process.stdin.on('data', (c) => s += c).on('end', () => {
  const e = JSON.parse(s);
  if (e.tool_name === 'Bash' && /\\bshred\\b|dangerous-marker/.test(e.tool_input.command)) {
    process.stdout.write(JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'dcg: destructive command blocked' } }));
  }
  process.exit(0);
});
`;

describe('hooks', () => {
  let dir: string;
  let llm: ScriptedLlm;
  let s: TestServer;
  let c: WsClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'moltis-hooks-'));
    writeFileSync(join(dir, 'dcg'), DCG); chmodSync(join(dir, 'dcg'), 0o755);
    writeFileSync(join(dir, 'exit2'), '#!/bin/sh\ncat > /dev/null\ngrep -q blocked-by-exit "$0" 2>/dev/null\necho "policy says no" >&2\nexit 2\n'); chmodSync(join(dir, 'exit2'), 0o755);
    writeFileSync(join(dir, 'rewrite'), '#!/bin/sh\ncat > /dev/null\necho \'{"input":{"command":"echo rewritten"}}\'\n'); chmodSync(join(dir, 'rewrite'), 0o755);
    llm = await startScriptedLlm();
    s = await startTestServer({
      toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["m"]\n[tools.exec]\napproval_mode = "never"\n` +
        `[[hooks]]\nname = "dcg"\ncommand = "${join(dir, 'dcg')}"\nevents = ["BeforeToolCall"]\ntools = ["exec"]\nguard = true\n` +
        `[[hooks]]\nname = "turns"\ncommand = "grep -q forbidden-turn && { echo 'no forbidden turns' >&2; exit 3; } || exit 0"\nevents = ["BeforeAgentStart"]\n` +
        `[[hooks]]\nname = "slow-guard"\ncommand = "cat >/dev/null; case \\"$(echo)\\" in *) sleep 10;; esac"\nevents = ["BeforeToolCall"]\ntools = ["web_fetch"]\nguard = true\ntimeout_secs = 1\n`,
    });
    c = await WsClient.open(wsUrl(s.url));
    await c.connect();
    await c.request('subscribe', { events: ['chat'] });
  });
  after(async () => { c.close(); await s.stop(); await llm.close(); rmSync(dir, { recursive: true, force: true }); });

  async function call(tool: string, args: unknown): Promise<any> {
    llm.script({ toolCalls: [{ name: tool, arguments: args }] }, { text: 'ok' });
    const r = await c.request('chat.send', { sessionKey: 'h', text: 'go' });
    await c.next(finalOrError(r.payload.runId), 10_000);
    return JSON.parse(llm.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content);
  }

  test('a dcg guard denies a destructive command (even in approval_mode "never")', async () => {
    const r = await call('exec', { command: 'echo dangerous-marker' });
    assert.equal(r.status, 'blocked');
    assert.equal(r.hook, 'dcg');
    assert.match(r.reason, /dcg: destructive command blocked/);
    assert.ok(s.auth.auditList({ type: 'hook_blocked' }).length >= 1);
  });

  test('the guard lets a harmless command through', async () => {
    const r = await call('exec', { command: 'echo fine' });
    assert.equal(r.stdout, 'fine\n');
  });

  test('a guard that times out blocks (fails closed)', async () => {
    const r = await call('web_fetch', { url: 'http://example.invalid/' });
    assert.equal(r.status, 'blocked');
    assert.match(r.reason, /slow-guard timed out after 1s/);
  });

  test('a BeforeAgentStart hook can refuse a turn', async () => {
    const r = await c.request('chat.send', { sessionKey: 'h', text: 'please say forbidden-turn' });
    const fin = await c.next(finalOrError(r.payload.runId), 10_000);
    assert.equal(fin.payload.state, 'error');
    assert.match(fin.payload.text, /blocked by hook turns: no forbidden turns/);
  });

  test('hooks.list is admin-only', async () => {
    assert.equal((await c.request('hooks.list')).ok, true); // tier-2 local owner
  });
});

describe('hook exit codes and modifications', () => {
  test('non-zero exit blocks with stderr; exit 0 with {"input"} rewrites the call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moltis-hooks2-'));
    const llm = await startScriptedLlm();
    writeFileSync(join(dir, 'exit2'), '#!/bin/sh\ncat > /dev/null\necho "policy says no" >&2\nexit 2\n'); chmodSync(join(dir, 'exit2'), 0o755);
    writeFileSync(join(dir, 'rewrite'), '#!/bin/sh\ncat > /dev/null\necho \'{"input":{"command":"echo rewritten"}}\'\n'); chmodSync(join(dir, 'rewrite'), 0o755);
    const s = await startTestServer({
      toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["m"]\n[tools.exec]\napproval_mode = "never"\n` +
        `[[hooks]]\nname = "rewrite"\ncommand = "${join(dir, 'rewrite')}"\nevents = ["BeforeToolCall"]\ntools = ["exec"]\n` +
        `[[hooks]]\nname = "no-time"\ncommand = "${join(dir, 'exit2')}"\nevents = ["BeforeToolCall"]\ntools = ["current_time"]\n`,
    });
    try {
      const c = await WsClient.open(wsUrl(s.url));
      await c.connect();
      await c.request('subscribe', { events: ['chat'] });
      const call = async (tool: string, args: unknown) => {
        llm.script({ toolCalls: [{ name: tool, arguments: args }] }, { text: 'ok' });
        const r = await c.request('chat.send', { sessionKey: 'h2', text: 'go' });
        await c.next(finalOrError(r.payload.runId), 10_000);
        return JSON.parse(llm.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content);
      };
      const blocked = await call('current_time', {});
      assert.equal(blocked.status, 'blocked');
      assert.equal(blocked.reason, 'policy says no');
      const rewritten = await call('exec', { command: 'echo original' });
      assert.equal(rewritten.stdout, 'rewritten\n');
      c.close();
    } finally { await s.stop(); await llm.close(); rmSync(dir, { recursive: true, force: true }); }
  });
});
