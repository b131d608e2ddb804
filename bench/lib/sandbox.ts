/**
 * Latency of one `exec("true")` per sandbox backend, next to a plain `spawn("true")` measured in
 * the same run: host runner, bwrap (fresh namespaces + cgroup per command), and podman (a fresh
 * `run --rm` container per command vs a per-session container reused across commands). Backends
 * missing on the machine are skipped with a note on stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBwrapRunner, createHostRunner, createOciRunner, type Runner } from '../../src/sandbox/index.js';
import { ensureTestImage, TEST_OCI_ARGS } from '../../test/support/oci-image.js';
import { median } from './startup.js';
import type { Row } from './report.js';

const LIMITS = { memoryBytes: 512 * 1024 * 1024, cpuQuota: 1, pidsMax: 256, fileSizeBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 };
const ENV = { PATH: '/usr/bin:/bin' };

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('true', [], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('close', () => resolve());
  });
}

async function timeMany(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up (image layers, page cache, a reused container's creation)
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  return median(t);
}

export async function sandboxFigures(o: { runs: number; log: (s: string) => void }): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-bench-sbx-'));
  const rows: Row[] = [];
  const base = await timeMany(o.runs, spawnTrue);
  const row = (what: string, ms: number): Row => ({ figure: `exec("true") ${what}, ms, median of ${o.runs} (vs plain spawn("true"))`, unit: 'ms', moltis: ms, baseline: base, digits: 2 });
  const req = (session: string) => ({ command: 'true', cwd: dir, home: dir, env: ENV, timeoutMs: 30_000, maxBytes: 4096, sessionKey: session });
  const measure = async (r: Runner, what: string, session: () => string) => {
    try { rows.push(row(what, await timeMany(o.runs, async () => { const x = await r.run(req(session())); if (x.exitCode !== 0) throw new Error(`${r.name} exit ${x.exitCode}: ${x.stderr}`); }))); } catch (err) { o.log(`sandbox bench ${what} skipped: ${(err as Error).message}`); } finally { await r.close(); }
  };
  try {
    await measure(createHostRunner(), 'on the host (no isolation)', () => 'bench');
    if (existsSync('/usr/bin/bwrap')) await measure(createBwrapRunner({ limits: LIMITS }), 'in bwrap', () => 'bench');
    else o.log('bwrap not installed: skipped');
    if (existsSync('/usr/bin/podman')) {
      const image = await ensureTestImage(TEST_OCI_ARGS);
      let n = 0;
      await measure(createOciRunner({ engine: 'podman', globalArgs: TEST_OCI_ARGS, image, limits: LIMITS, instance: `bench-${process.pid}` }), 'in podman, reused session container', () => 'bench');
      const fresh = createOciRunner({ engine: 'podman', globalArgs: TEST_OCI_ARGS, image, limits: LIMITS, instance: `bench-${process.pid}` });
      // A new session per command: container creation + exec + removal each time.
      await measure({ ...fresh, name: fresh.name, isolated: true, async run(r) { const x = await fresh.run(r); await fresh.endSession(r.sessionKey ?? ''); return x; } }, 'in podman, new container per command', () => `fresh-${n++}`);
    } else o.log('podman not installed: skipped');
  } finally { rmSync(dir, { recursive: true, force: true }); }
  return rows;
}
