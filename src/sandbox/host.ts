import { spawn } from 'node:child_process';
import type { Runner, RunRequest, RunResult } from './types.js';

/**
 * Host execution: `/bin/sh -c` in its own process group, so a timeout or abort kills the whole
 * tree (background children included), not just the shell. No isolation: approvals are the only
 * barrier here.
 */
export function createHostRunner(): Runner {
  return {
    name: 'host',
    isolated: false,
    async endSession() { /* nothing per session on the host */ },
    async close() { /* nothing held */ },
    run(r: RunRequest): Promise<RunResult> {
      const started = Date.now();
      return new Promise((resolve) => {
        const child = spawn('/bin/sh', ['-c', r.command], { cwd: r.cwd, env: r.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let outBytes = 0;
        let errBytes = 0;
        let truncated = false;
        let timedOut = false;
        let aborted = false;
        const killTree = () => { try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } };
        const take = (chunks: Buffer[], used: number, c: Buffer): number => {
          const room = r.maxBytes - used;
          if (room <= 0) { truncated = true; return used; }
          if (c.length > room) { truncated = true; chunks.push(c.subarray(0, room)); return r.maxBytes; }
          chunks.push(c);
          return used + c.length;
        };
        child.stdout.on('data', (c: Buffer) => { outBytes = take(out, outBytes, c); });
        child.stderr.on('data', (c: Buffer) => { errBytes = take(err, errBytes, c); });
        const timer = setTimeout(() => { timedOut = true; killTree(); }, r.timeoutMs);
        const onAbort = () => { aborted = true; killTree(); };
        r.signal?.addEventListener('abort', onAbort, { once: true });
        const done = (exitCode: number | null, sig: string | null) => {
          clearTimeout(timer);
          r.signal?.removeEventListener('abort', onAbort);
          killTree(); // leftovers of the group (e.g. `sleep 100 &`) die with the command
          resolve({
            exitCode, signal: sig, truncated, timedOut, aborted, durationMs: Date.now() - started,
            stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
          });
        };
        child.on('error', (e) => { err.push(Buffer.from(String(e.message))); done(null, null); });
        child.on('close', (code, sig) => done(code, sig));
      });
    },
  };
}
