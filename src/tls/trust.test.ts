import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTrustCa, spawnInherit, trustCaPlan, type TrustSpawn } from './index.js';

const CA = '/home/me/.config/moltis/certs/ca.pem';

test('trustCaPlan: linux uses sudo unless root, and mentions NSS stores', () => {
  const user = trustCaPlan(CA, 'linux', { uid: 1000 });
  assert.deepEqual(user.commands, [
    ['sudo', 'cp', CA, '/usr/local/share/ca-certificates/moltis-ca.crt'],
    ['sudo', 'update-ca-certificates'],
  ]);
  assert.match(user.instructions, /certutil -d sql:\$HOME\/\.pki\/nssdb -A -t C,, -n moltis -i \/home\/me\/\.config\/moltis\/certs\/ca\.pem/);
  assert.match(user.instructions, /Firefox/);
  const root = trustCaPlan(CA, 'linux', { uid: 0 });
  assert.deepEqual(root.commands, [['cp', CA, '/usr/local/share/ca-certificates/moltis-ca.crt'], ['update-ca-certificates']]);
});

test('trustCaPlan: darwin, win32, other', () => {
  assert.deepEqual(trustCaPlan(CA, 'darwin', { home: '/Users/me' }).commands,
    [['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', '/Users/me/Library/Keychains/login.keychain-db', CA]]);
  assert.deepEqual(trustCaPlan(CA, 'win32').commands, [['certutil', '-addstore', '-user', 'Root', CA]]);
  const other = trustCaPlan(CA, 'freebsd');
  assert.deepEqual(other.commands, []);
  assert.ok(other.instructions.includes(CA));
});

test('trustCaPlan quotes odd paths in the shown instructions but not in argv', () => {
  const odd = "/tmp/my certs/it's.pem";
  const plan = trustCaPlan(odd, 'linux', { uid: 1000 });
  assert.equal(plan.commands[0]![2], odd);
  assert.ok(plan.instructions.includes(`'/tmp/my certs/it'\\''s.pem'`));
});

test('runTrustCa runs commands in order through the injected spawn and stops at the first failure', async () => {
  const calls: string[][] = [];
  const ok: TrustSpawn = async (cmd, args) => { calls.push([cmd, ...args]); return 0; };
  const plan = trustCaPlan(CA, 'linux', { uid: 1000 });
  assert.deepEqual(await runTrustCa(plan, { spawn: ok }), { ok: true, ran: plan.commands, failed: null });
  assert.deepEqual(calls, plan.commands);

  calls.length = 0;
  const failFirst: TrustSpawn = async (cmd, args) => { calls.push([cmd, ...args]); return 1; };
  const r = await runTrustCa(plan, { spawn: failFirst });
  assert.equal(r.ok, false);
  assert.deepEqual(r.failed, { command: plan.commands[0], exitCode: 1 });
  assert.equal(calls.length, 1, 'update-ca-certificates must not run after a failed copy');

  const throws: TrustSpawn = async () => { throw new Error('spawn sudo ENOENT'); };
  assert.deepEqual((await runTrustCa(plan, { spawn: throws })).failed, { command: plan.commands[0], exitCode: -1, error: 'spawn sudo ENOENT' });

  assert.deepEqual(await runTrustCa(trustCaPlan(CA, 'aix'), { spawn: ok }), { ok: false, ran: [], failed: null });
});

test('spawnInherit reports exit codes and spawn errors', async () => {
  assert.equal(await spawnInherit(process.execPath, ['-e', 'process.exit(0)']), 0);
  assert.equal(await spawnInherit(process.execPath, ['-e', 'process.exit(3)']), 3);
  await assert.rejects(spawnInherit('/nonexistent/moltis-no-such-binary', []), /ENOENT/);
});
