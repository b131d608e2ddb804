import { spawn as nodeSpawn } from 'node:child_process';
import { closeSync, openSync, readlinkSync, writeFileSync } from 'node:fs';
import { runCaptured, type SpawnFn } from './capture.js';

/** A user namespace held open by an fd, handed to bwrap as `--userns 3`. */
export interface SandboxUserns {
  /** Open fd of /proc/<pid>/ns/user (close-on-exec in this process; passed explicitly to bwrap). */
  readonly fd: number;
  close(): void;
}

/** Options of {@link createSandboxUserns}. */
export interface SandboxUsernsOptions {
  /** The sandbox user's uid/gid inside (bwrap's generated passwd names it `sandbox`). */
  insideId: number;
  /** The unprivileged host uid/gid it maps to. */
  hostUid: number;
  hostGid: number;
  unsharePath?: string;
  nsenterPath?: string;
  spawn?: SpawnFn;
}

const READY_TIMEOUT_MS = 10_000;

/*
 * Why a namespace of our own (the gateway runs as root):
 *
 * bwrap started by root maps the sandbox user to host uid 0 — it can only map the uid that runs it,
 * and bwrap has no option for another. Running bwrap itself as `nobody` (setpriv) fails: it must
 * reach the workspace, home, generated /etc and proxy socket below 0700 root directories (data
 * dir, /root, /tmp/mkdtemp), and `--bind-fd` is resolved back to a path with realpath. Making
 * those trees traversable (0711) would loosen the data dir for every local user.
 *
 * So root builds the user namespace and passes it with `bwrap --userns`: host uid/gid 0 appear as
 * 0 inside (bwrap, as that root, can still open the 0700 paths: CAP_DAC_OVERRIDE in a user
 * namespace covers only files whose owner is mapped there) and the sandbox user `insideId` is host
 * `hostUid` (nobody). bwrap sets up mounts as the namespace's root, then the command is exec'd
 * through `setpriv` as `insideId` with every capability and the bounding set gone and no-new-privs
 * set by bwrap: files it creates belong to host nobody, and a root-owned file bound in is only as
 * writable as its "other" bits. bwrap's `--disable-userns` cannot be combined with `--userns`, so the
 * namespace's own `user.max_user_namespaces` is set to 0: nothing inside can create a nested user
 * namespace (the usual first step of kernel exploits).
 *
 * One namespace serves every run of a runner: it holds only the two mappings; each run still gets
 * fresh mount, pid, net, ipc, uts and cgroup namespaces from bwrap.
 */

/**
 * Creates the sandbox user namespace (root only: writing another process's uid_map with arbitrary
 * host ids needs CAP_SETUID). Resolves with an fd that keeps it alive after the helper exits.
 */
export async function createSandboxUserns(o: SandboxUsernsOptions): Promise<SandboxUserns> {
  const spawn = o.spawn ?? nodeSpawn;
  // The helper only has to exist while we write its maps; `cat` waits for us to close its stdin.
  const holder = spawn(o.unsharePath ?? 'unshare', ['--user', '--', '/bin/sh', '-c', 'echo ready; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => { holder.once('close', () => resolve()); holder.once('error', () => resolve()); });
  let fd = -1;
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error('unshare --user did not start within 10 s')), READY_TIMEOUT_MS);
      holder.stdout?.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('ready\n')) { clearTimeout(timer); resolve(); } });
      holder.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
      holder.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run unshare: ${e.message}`)); });
      holder.once('close', (code) => { clearTimeout(timer); reject(new Error(`unshare --user failed (exit ${code}): ${err.trim()}`)); });
    });
    const pid = holder.pid as number;
    // One write each (the kernel takes a map in a single write): host root stays root for bwrap's
    // setup, the sandbox user becomes the unprivileged host id.
    writeFileSync(`/proc/${pid}/uid_map`, `0 0 1\n${o.insideId} ${o.hostUid} 1\n`);
    writeFileSync(`/proc/${pid}/gid_map`, `0 0 1\n${o.insideId} ${o.hostGid} 1\n`);
    const limit = await runCaptured({
      file: o.nsenterPath ?? 'nsenter', args: [`--user=/proc/${pid}/ns/user`, '--', '/bin/sh', '-c', 'echo 0 > /proc/sys/user/max_user_namespaces'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' }, timeoutMs: READY_TIMEOUT_MS, maxBytes: 4096, spawn: o.spawn,
    });
    // Fail closed: a namespace that lets commands nest user namespaces is not the one we promised.
    if (limit.exitCode !== 0) throw new Error(`cannot forbid nested user namespaces: ${limit.stderr.trim() || `exit ${limit.exitCode ?? limit.signal}`}`);
    fd = openSync(`/proc/${pid}/ns/user`, 'r');
    // Fail closed: an fd of our own namespace would hand bwrap host root's identity.
    if (readlinkSync(`/proc/self/fd/${fd}`) === readlinkSync('/proc/self/ns/user')) throw new Error('the helper did not enter a new user namespace');
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    holder.kill('SIGKILL');
    await exited;
    throw e;
  }
  holder.stdin?.end();
  await exited;
  let open = true;
  return { fd, close() { if (open) { open = false; closeSync(fd); } } };
}
