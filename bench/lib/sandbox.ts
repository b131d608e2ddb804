/**
 * Latency of one `exec("true")` per sandbox backend, next to a plain `spawn("true")` timed in turn
 * with it (one spawn, one exec, …: pairs keep the ratio meaningful on a busy machine): host
 * runner, bwrap (fresh namespaces + cgroup per command), and podman (a per-session container
 * reused across commands, through its exec agent and through one `podman exec` per command — the
 * fallback — and a fresh container per command). Podman
 * gets storage of its own under a temp dir (never the user's: storage initialized there with
 * another driver cannot break the bench, and the bench leaves nothing in it). A backend that
 * cannot run here is reported as skipped, with the reason, and the others still run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBwrapRunner, createHostRunner, createOciRunner, type Runner } from '../../src/sandbox/index.js';
import { createTestPodman, ensureTestImage } from '../../test/support/oci-image.js';
import { median } from './startup.js';
import type { Row, Skipped } from './report.js';

const LIMITS = { memoryBytes: 512 * 1024 * 1024, cpuQuota: 1, pidsMax: 256, fileSizeBytes: 1024 ** 3, diskBytes: 2 * 1024 ** 3 };
const ENV = { PATH: '/usr/bin:/bin' };

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('true', [], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('close', () => resolve());
  });
}

async function timePaired(runs: number, fn: () => Promise<unknown>): Promise<{ ms: number; base: number }> {
  await fn(); // warm-up (image layers, page cache, a reused container's creation and its agent)
  const t: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let s = performance.now();
    await spawnTrue();
    b.push(performance.now() - s);
    s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  return { ms: median(t), base: median(b) };
}

const reasonOf = (err: unknown): string => ((err as Error).message ?? String(err)).split('\n')[0] ?? 'failed';

export async function sandboxFigures(o: { runs: number; log: (s: string) => void }): Promise<{ rows: Row[]; skipped: Skipped[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-bench-sbx-'));
  const rows: Row[] = [];
  const skipped: Skipped[] = [];
  const skip = (section: string, reason: string) => { o.log(`${section}: skipped: ${reason}`); skipped.push({ section, reason }); };
  const row = (what: string, t: { ms: number; base: number }): Row => ({ figure: `exec("true") ${what}, ms, median of ${o.runs} (vs plain spawn("true"), in turn)`, unit: 'ms', moltis: t.ms, baseline: t.base, digits: 2 });
  const req = (session: string) => ({ command: 'true', cwd: dir, home: dir, env: ENV, timeoutMs: 30_000, maxBytes: 4096, sessionKey: session });
  const measure = async (r: Runner, what: string, session: () => string) => {
    try { rows.push(row(what, await timePaired(o.runs, async () => { const x = await r.run(req(session())); if (x.exitCode !== 0) throw new Error(`${r.name} exit ${x.exitCode}: ${x.stderr.trim()}`); }))); } catch (err) { skip(`exec("true") ${what}`, reasonOf(err)); } finally { await r.close(); }
  };
  const podman = existsSync('/usr/bin/podman') ? createTestPodman('moltis-bench-podman-') : undefined;
  try {
    await measure(createHostRunner(), 'on the host (no isolation)', () => 'bench');
    if (existsSync('/usr/bin/bwrap')) await measure(createBwrapRunner({ limits: LIMITS }), 'in bwrap', () => 'bench');
    else skip('exec("true") in bwrap', 'bwrap is not installed (apt install bubblewrap)');
    if (podman) {
      let image: string | undefined;
      try { image = await ensureTestImage(podman.args); } catch (err) { skip('exec("true") in podman', `test image: ${reasonOf(err)}`); }
      if (image) {
        let n = 0;
        await measure(createOciRunner({ engine: 'podman', globalArgs: podman.args, image, limits: LIMITS, instance: `bench-${process.pid}`, log: o.log }), 'in podman, reused session container (exec agent)', () => 'bench');
        await measure(createOciRunner({ engine: 'podman', globalArgs: podman.args, image, limits: LIMITS, instance: `bench-${process.pid}-cli`, agent: false }), 'in podman, reused session container, one `podman exec` each (fallback)', () => 'bench');
        const fresh = createOciRunner({ engine: 'podman', globalArgs: podman.args, image, limits: LIMITS, instance: `bench-${process.pid}` });
        // A new session per command: container creation + exec + removal each time.
        await measure({ ...fresh, name: fresh.name, isolated: true, async run(r) { const x = await fresh.run(r); await fresh.endSession(r.sessionKey ?? ''); return x; } }, 'in podman, new container per command', () => `fresh-${n++}`);
      }
    } else skip('exec("true") in podman', 'podman is not installed (apt install podman runc)');
  } finally {
    podman?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, skipped };
}
