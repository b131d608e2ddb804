/**
 * The exec tool through the real gateway with the default sandbox (`backend = "auto"`): the
 * backend is probed and reported, commands run isolated per session, the data dir (database,
 * identity files) is invisible, and the owner's vault env vars reach the command.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lookup } from '../../src/net/index.js';
import { spawnSync } from 'node:child_process';
import { createTestPodman, ensureTestImage, podmanAvailable, type TestPodman } from '../support/oci-image.js';
import { instanceTag } from '../../src/sandbox/oci.js';
import { join } from 'node:path';
import { startTestServer, setupPassword, createKey, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import type { WsClient } from '../support/ws.js';
import { connect, finalOrError, lastToolResult } from '../support/chat.js';

const HAVE_BWRAP = existsSync('/usr/bin/bwrap');
/** moltis.toml for the scripted model, with one `[tools.exec]` line. */
const scriptedToml = (llm: ScriptedLlm, execLine: string) => `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[tools.exec]\n${execLine}\n`;

describe('exec in the sandbox, through the gateway', { skip: HAVE_BWRAP ? false : 'bubblewrap is not installed (apt install bubblewrap)' }, () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let user: WsClient;
  before(async () => {
    llm = await startScriptedLlm();
    // "never": sandboxed commands run without asking, so the test needs no approver.
    s = await startTestServer({ toml: scriptedToml(llm, 'approval_mode = "never"') });
    const cookie = await setupPassword(s);
    const r = await fetch(`${s.url}/api/env`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ key: 'MY_TOKEN', value: 'tok-123' }) });
    assert.equal(r.status, 200, await r.text());
    user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['chat']);
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

describe('trusted network mode: the sandbox reaches allowlisted domains only through the proxy', { skip: HAVE_BWRAP ? false : 'bubblewrap is not installed (apt install bubblewrap)' }, () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let user: WsClient;
  let origin: http.Server;
  let originPort: number;
  const lookup: Lookup = async (host) => {
    if (host === 'allowed.test' || host === 'unlisted.test') return [{ address: '127.0.0.1', family: 4 }];
    if (host === 'private.allowed.test') return [{ address: '10.1.2.3', family: 4 }];
    throw new Error(`ENOTFOUND ${host}`);
  };
  before(async () => {
    origin = http.createServer((_q, r) => r.end('origin says hi'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as AddressInfo).port;
    llm = await startScriptedLlm();
    s = await startTestServer({
      toml: scriptedToml(llm, 'approval_mode = "never"')
        + `[tools.exec.sandbox]\nbackend = "bwrap"\nnetwork = "trusted"\ntrusted_domains = ["allowed.test", "*.allowed.test"]\n`
        // The test origin is on loopback: let the proxy dial 127.0.0.1 (the gateway's own port stays refused).
        + `[tools.web.fetch]\nssrf_allowlist = ["127.0.0.1/32"]\n`,
      lookup, egressPorts: [80, 443, originPort],
    });
    const cookie = await setupPassword(s);
    user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['chat', 'network.audit.entry']);
  });
  after(async () => { user.close(); await s.stop(); await llm.close(); origin.close(); });

  async function run(command: string): Promise<{ stdout: string; stderr: string }> {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command } }] }, { text: 'ok' });
    const r = await user.request('chat.send', { sessionKey: 'net', text: 'fetch' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await user.next(finalOrError(r.payload.runId), 20_000);
    return lastToolResult(llm);
  }
  const code = (host: string, port: number, extra = '') => `curl -s -m 5 ${extra} -o /dev/null -w '%{http_code}' http://${host}:${port}/; echo " exit=$?"`;

  test('allowlisted domain: through the proxy; recorded as allow with the session', async () => {
    const res = await run(`curl -s -m 5 http://allowed.test:${originPort}/hello`);
    assert.equal(res.stdout, 'origin says hi');
    const ev = await user.next((f) => f.event === 'network.audit.entry' && f.payload?.domain === 'allowed.test');
    assert.equal(ev.payload.action, 'allow');
    assert.equal(ev.payload.sessionKey, 'net');
  });

  test('unlisted domain 403; a name resolving to a private address refused; the gateway itself refused', async () => {
    assert.match((await run(code('unlisted.test', originPort))).stdout, /^403 /);
    assert.match((await run(code('private.allowed.test', 80))).stdout, /^403 /);
    assert.match((await run(code('allowed.test', Number(new URL(s.url).port)))).stdout, /^403 /);
    const list = await user.request('network.audit.list', { action: 'deny' });
    assert.equal(list.ok, true, JSON.stringify(list));
    const domains = (list.payload.entries as Array<{ domain: string }>).map((e) => e.domain);
    for (const d of ['unlisted.test', 'private.allowed.test', 'allowed.test']) assert.ok(domains.includes(d), `${d} in ${domains.join(',')}`);
  });

  test('programs that ignore the proxy have no network', async () => {
    const res = await run(`${code('127.0.0.1', originPort, "--noproxy '*'")}; ${code('10.1.2.3', 80, "--noproxy '*'")}`);
    assert.doesNotMatch(res.stdout, /^200|\b200\b/);
    assert.match(res.stdout, /exit=(7|28)/);
  });
});

describe('auto picks podman when the image exists; the session container goes with the session', { skip: podmanAvailable() ? false : 'podman is not installed (apt install podman runc)' }, () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let user: WsClient;
  // Podman storage of this suite's own (never the user's); the gateway gets it through oci_args.
  let engine: TestPodman;
  before(async () => {
    engine = createTestPodman();
    const image = await ensureTestImage(engine.args);
    llm = await startScriptedLlm();
    s = await startTestServer({
      toml: scriptedToml(llm, 'approval_mode = "never"')
        + `[tools.exec.sandbox]\nimage = "${image}"\noci_args = ${JSON.stringify(engine.args)}\n`,
    });
    const cookie = await setupPassword(s);
    user = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write'])).key, ['chat']);
  });
  after(async () => { user?.close(); await s?.stop(); await llm?.close(); engine?.close(); });

  const ours = (): string[] => {
    const r = spawnSync('podman', [...engine.args, 'ps', '-a', '--filter', `label=moltis.instance=${instanceTag(s.dirs.dataDir)}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean);
  };

  test('sandbox.status reports podman; commands run in a reused container; sessions.delete removes it', async () => {
    const st = await user.request('sandbox.status', {});
    assert.equal(st.payload.backend, 'podman', st.payload.reason);
    const run = async (command: string) => {
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command } }] }, { text: 'ok' });
      const r = await user.request('chat.send', { sessionKey: 'oci', text: 'run' });
      await user.next(finalOrError(r.payload.runId), 60_000);
      return lastToolResult(llm);
    };
    const first = await run('id -u; echo kept > /tmp/mark; pwd');
    assert.equal(first.stdout, '65534\n/workspace\n', first.stderr);
    assert.equal(first.sandbox, 'podman');
    assert.equal((await run('cat /tmp/mark')).stdout, 'kept\n');
    assert.equal(ours().length, 1);
    assert.equal((await user.request('sessions.delete', { key: 'oci' })).ok, true);
    for (let i = 0; i < 100 && ours().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(ours(), []);
  });
});

describe('no sandbox works: loud, and every command needs a human', () => {
  test('host fallback is reported, audited and forces approval even for a read-only command', async () => {
    const llm = await startScriptedLlm();
    const broken = { ok: false, reason: 'probe pinned to fail by the test' };
    const s = await startTestServer({
      toml: scriptedToml(llm, 'approval_timeout_secs = 1'),
      sandboxProbes: { bwrap: async () => broken, oci: async () => broken, apple: async () => broken },
    });
    try {
      await s.sandboxReady; // `auto` is probed alongside start-up, not before listening
      assert.match(s.printed.join('\n'), /WARNING: .*no sandbox backend works here/);
      assert.match(s.printed.join('\n'), /every command needs approval/);
      const cookie = await setupPassword(s);
      const c = await connect(s, (await createKey(s, cookie, ['operator.read', 'operator.write', 'operator.approvals'])).key, ['chat', 'exec.approval.requested']);
      const st = (await c.request('sandbox.status', {})).payload;
      assert.deepEqual([st.backend, st.isolated, st.fallback, st.approvalMode, st.network], ['host', false, true, 'always', 'host']);
      // `echo` would run at once in smart mode; on an unsandboxed fallback it waits for a human.
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo hello' } }] }, { text: 'ok' });
      const r = await c.request('chat.send', { sessionKey: 'fb', text: 'say hello' });
      assert.equal((await c.next((f) => f.event === 'exec.approval.requested')).payload.command, 'echo hello');
      await c.next(finalOrError(r.payload.runId), 10_000);
      assert.equal(lastToolResult(llm).status, 'denied');
      const audit = await fetch(`${s.url}/api/auth/audit`, { headers: { cookie } }).then((x) => x.json()) as { entries?: Array<{ event_type?: string; type?: string }> };
      assert.ok(JSON.stringify(audit).includes('sandbox_fallback'), JSON.stringify(audit).slice(0, 300));
      c.close();
    } finally { await s.stop(); await llm.close(); }
  });
});
