import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { createSandboxUserns } from './userns.js';

const skip = process.getuid?.() === 0 ? false : 'writing another process\'s uid_map with foreign ids needs root';

test('the sandbox user namespace: host root stays 0, the sandbox user is host nobody, nothing nests', { skip }, async () => {
  const ns = await createSandboxUserns({ insideId: 1000, hostUid: 65534, hostGid: 65534 });
  try {
    assert.notEqual(readlinkSync(`/proc/self/fd/${ns.fd}`), readlinkSync('/proc/self/ns/user'));
    // Enter it the way bwrap does (setns on the fd, here via nsenter on /proc/self/fd of the child).
    const r = spawnSync('nsenter', ['--user=/proc/self/fd/3', '--', '/bin/sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map /proc/sys/user/max_user_namespaces; unshare -U true 2>/dev/null && echo nested || echo refused'], { stdio: ['ignore', 'pipe', 'pipe', ns.fd], encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['0 0 1', '1000 65534 1', '0 0 1', '1000 65534 1', '0', 'refused']);
  } finally { ns.close(); }
});

test('a failing helper is reported, never a half-made namespace', { skip }, async () => {
  await assert.rejects(createSandboxUserns({ insideId: 1000, hostUid: 65534, hostGid: 65534, unsharePath: '/nonexistent/unshare' }), /cannot run unshare|unshare --user failed/);
  await assert.rejects(createSandboxUserns({ insideId: 1000, hostUid: 65534, hostGid: 65534, nsenterPath: '/nonexistent/nsenter' }), /cannot forbid nested user namespaces/);
});
