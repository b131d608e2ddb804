import type { Runner, RunRequest, RunResult } from './types.js';
import { runCaptured, type SpawnFn } from './capture.js';

/**
 * Host execution: `/bin/sh -c` in its own process group, so a timeout or abort kills the whole
 * tree (background children included), not just the shell. No isolation: approvals are the only
 * barrier here.
 */
export function createHostRunner(opts: { spawn?: SpawnFn } = {}): Runner {
  return {
    name: 'host',
    isolated: false,
    async endSession() { /* nothing per session on the host */ },
    async close() { /* nothing held */ },
    run(r: RunRequest): Promise<RunResult> {
      return runCaptured({
        file: '/bin/sh', args: ['-c', r.command], cwd: r.cwd, env: r.env,
        timeoutMs: r.timeoutMs, maxBytes: r.maxBytes, signal: r.signal, spawn: opts.spawn,
      });
    },
  };
}
