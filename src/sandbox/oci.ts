import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayEnv, notRun, runCaptured, type SpawnFn } from './capture.js';
import { imageWantsHostUsr } from './oci-image.js';
import { createDiskGuard, diskLimitNote, type DiskGuardOptions, type DiskWatch } from './disk.js';
import {
  OCI_DEFAULT_USER, containerName, envEntries, envFileBody, execWrapper, groupKillScript, ociRunArgs,
  instanceTag, parseOomKills, sessionHash, type OciContainerSpec,
} from './oci-args.js';
import { AgentNotStarted, agentScript, createSessionAgent, startOciAgent, type OciAgent, type SessionAgent } from './oci-agent.js';
import type { Runner, RunRequest, RunResult, SandboxLimits } from './types.js';
import { SANDBOX_HOME, SANDBOX_PROXY_PORT, SANDBOX_WORKSPACE } from './types.js';

export { instanceTag } from './oci-args.js';
export { probeOci, type OciProbe, type OciProbeOptions } from './oci-probe.js';

/** Options of the OCI backend. */
export interface OciRunnerOptions {
  engine: 'podman' | 'docker';
  /** Binary to run; default the engine name (looked up in PATH). */
  enginePath?: string;
  /** Global args before every subcommand (`[tools.exec.sandbox] oci_args`), e.g. podman's runtime/storage flags. */
  globalArgs: string[];
  /**
   * Default image. It must provide /bin/sh and, for trusted network mode, `socat` (the in-container
   * bridge from 127.0.0.1:3128 to the proxy socket). Never pulled: it must exist locally.
   */
  image: string;
  limits: SandboxLimits;
  /** uid:gid commands run as (default 65534:65534). The session workspace and home are chowned to it. */
  user?: string;
  /**
   * Before this runner's first container, remove this instance's containers left over from a
   * crash (default true).
   */
  sweepOnStart?: boolean;
  /** Identity of the owning gateway (its data dir); containers are named and swept per instance. */
  instance?: string;
  spawn?: SpawnFn;
  log?: (msg: string) => void;
  /** Passed to the disk guard (tests shorten its intervals). */
  disk?: Omit<DiskGuardOptions, 'limitBytes'>;
  /**
   * Run commands through a per-session exec agent (one long-lived `exec -i` per container, see
   * oci-agent.ts) instead of one engine CLI process per command (default: podman yes, docker no —
   * only podman's is tested here). The CLI path
   * stays the fallback: when the agent cannot start, for a second command in flight in the same
   * session, and for every kill.
   */
  agent?: boolean;
  /** An idle session's agent is stopped after this long (default 60 s); the next command starts a new one. */
  agentIdleMs?: number;
}

interface Session {
  spec: OciContainerSpec;
  key: string;
  /** Resolves once the container runs. */
  ready: Promise<void>;
  inFlight: number;
  /** Cumulative oom_kill count of the container's memory cgroup at the last look. */
  oomKills: number;
  /** Watches workspace + home for as long as the container lives (a command's leftovers can write after it). */
  disk?: DiskWatch;
  /** Times the disk guard killed this session's commands. */
  diskHits: number;
  /** The container's exec agent, once asked for. */
  agent?: SessionAgent;
}

const ENGINE_TIMEOUT_MS = 60_000;
const AGENT_READY_MS = 30_000;
/** Exit codes of `podman/docker exec` meaning the engine (not the command) failed when stderr says the container is gone or stopped. */
const GONE = /no such container|state improper|is not running|not running|no container with name/i;

/**
 * The OCI backend (podman or docker CLI). One container per session, created on its first command
 * (`run -d ... sleep infinity`) and reused by every later `exec`, removed by `endSession`/`close`.
 * Commands run as a non-root uid in /workspace with only the request's env (plus HOME); see
 * `ociRunArgs` for the container's confinement. Timeout/abort kills the command's whole tree inside
 * the container (an engine client killed on the host leaves its exec process running, so the kill
 * is itself an `exec`). A dead container is recreated on the next command.
 */
export function createOciRunner(o: OciRunnerOptions): Runner {
  const bin = o.enginePath ?? o.engine;
  const user = o.user ?? OCI_DEFAULT_USER;
  const log = o.log ?? (() => {});
  const sessions = new Map<string, Session>();
  // podman's `rm -f` first waits out a stop timeout (10 s when pid 1 ignores SIGTERM); docker's kills at once.
  const noWait = o.engine === 'podman' ? ['-t', '0'] : [];
  // Created on first use: a runner that is built (e.g. by a probe-driven selection) but never runs holds nothing.
  let envDir: string | undefined;
  const instance = o.instance ?? 'default';
  const tag = instanceTag(instance);
  let swept: Promise<void> | undefined;
  let closed = false;
  // Per image, asked once: does it borrow the host's /usr (the offline image)?
  const hostUsr = new Map<string, Promise<boolean>>();
  const disk = createDiskGuard({ ...o.disk, limitBytes: o.limits.diskBytes, ...(o.spawn ? { spawn: o.spawn } : {}) });

  const engine = (args: string[], timeoutMs = ENGINE_TIMEOUT_MS): Promise<RunResult> =>
    runCaptured({ file: bin, args: [...o.globalArgs, ...args], env: gatewayEnv(), timeoutMs, maxBytes: 256 * 1024, spawn: o.spawn });

  const sweep = async (): Promise<void> => {
    const ps = await engine(['ps', '-a', '-q', '--filter', `label=moltis.instance=${tag}`]);
    const ids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    if (ids.length) { log(`oci: removing ${ids.length} leftover sandbox container(s)`); await engine(['rm', '-f', ...noWait, ...ids]); }
  };
  const sweepOnce = (): Promise<void> => {
    if (o.sweepOnStart === false) return Promise.resolve();
    swept ??= sweep().catch((e: unknown) => log(`oci: sweep failed: ${String(e)}`));
    return swept;
  };

  const create = async (spec: OciContainerSpec): Promise<void> => {
    await sweepOnce();
    // The sandbox uid must be able to write its own workspace and home (they are created by the gateway).
    for (const p of [spec.cwd, spec.home]) if (p) ownBy(p, user, log);
    await engine(['rm', '-f', ...noWait, spec.name]);
    let usr = hostUsr.get(spec.image);
    if (!usr) { usr = imageWantsHostUsr({ engine: o.engine, globalArgs: o.globalArgs, ...(o.enginePath ? { enginePath: o.enginePath } : {}), spawn: o.spawn }, spec.image); hostUsr.set(spec.image, usr); }
    const r = await engine(ociRunArgs({ ...spec, hostUsr: await usr }));
    if (r.exitCode !== 0) throw new Error(`${o.engine} run failed (${r.exitCode}): ${r.stderr.trim()}`);
  };

  const specFor = (r: RunRequest): OciContainerSpec => {
    const key = r.sessionKey ?? 'default';
    const trusted = r.network === 'trusted' && !!r.proxySocket;
    return {
      name: containerName(key, instance), sessionHash: sessionHash(key), instance: tag, image: r.image ?? o.image, limits: o.limits,
      cwd: r.cwd, home: r.home, proxySocket: trusted ? r.proxySocket : undefined, engine: o.engine,
    };
  };

  /*
   * The disk guard watches a session for as long as its container lives, not only during an exec:
   * a command's setsid'd leftovers keep running in the container and could write after it ended.
   * Over the limit, every process of the sandbox uid in the container is killed (its pid 1 runs as
   * another uid and survives), and the guard is re-armed for the next growth.
   */
  const armDisk = (s: Session): void => {
    const paths = s.spec.home ? [s.spec.cwd, s.spec.home] : [s.spec.cwd];
    const watch = disk.watch(paths, () => {
      s.diskHits++;
      log(`oci: session container ${s.spec.name} outgrew its disk limit: killing its commands`);
      void engine(['exec', '--user', user, s.spec.name, '/bin/sh', '-c', 'kill -9 -1'], 15_000);
      void watch.stop().then(() => { if (!closed && sessions.get(s.key) === s && s.disk === watch) armDisk(s); });
    }, () => s.inFlight > 0);
    s.disk = watch;
  };
  const disarm = (s: Session | undefined): void => {
    const w = s?.disk;
    if (s) s.disk = undefined;
    void w?.stop();
    s?.agent?.stop();
  };

  let agentNoted = false;
  /** The session's ready agent (started on first use); undefined: this command takes the CLI path. */
  const agentFor = (s: Session): Promise<OciAgent | undefined> => {
    if (!(o.agent ?? o.engine === 'podman')) return Promise.resolve(undefined);
    s.agent ??= createSessionAgent({
      idleMs: o.agentIdleMs ?? 60_000,
      start: () => startOciAgent({
        file: bin, env: gatewayEnv(), spawn: o.spawn, readyTimeoutMs: AGENT_READY_MS,
        args: [...o.globalArgs, 'exec', '-i', '--user', user, '--workdir', SANDBOX_WORKSPACE, s.spec.name, '/bin/sh', '-c', agentScript(!!s.spec.proxySocket), 'moltis-agent'],
      }),
      onStarted: () => { if (!agentNoted) { agentNoted = true; log(`oci: commands run through a per-session exec agent (one long-lived \`${o.engine} exec -i\` per session container)`); } },
      onFailed: (why) => log(`oci: exec agent unavailable for ${s.spec.name} (${why}): one \`${o.engine} exec\` per command`),
    });
    return s.agent.get();
  };

  /** The session's container, created or recreated when its spec changed. */
  const sessionFor = async (r: RunRequest, fresh: boolean): Promise<Session> => {
    const key = r.sessionKey ?? 'default';
    const spec = specFor(r);
    let s = sessions.get(key);
    if (s && !fresh && sameSpec(s.spec, spec)) { await s.ready; return s; }
    if (s) { disarm(s); await s.ready.catch(() => {}); }
    const created: Session = { spec, key, ready: create(spec), inFlight: 0, oomKills: 0, diskHits: 0 };
    s = created;
    sessions.set(key, s);
    s.ready.then(() => { if (sessions.get(key) === created && !closed) armDisk(created); }, () => { if (sessions.get(key) === created) sessions.delete(key); });
    await s.ready;
    return s;
  };

  /** Timeout/abort: kills the command inside the container through its own engine exec (never through the agent). */
  const killerFor = (s: Session, runId: string): Promise<unknown> => {
    // Alone in the session: every process of the sandbox uid (also ones that left the group with setsid).
    const script = s.inFlight <= 1 ? 'kill -9 -1' : groupKillScript(runId);
    return engine(['exec', '--user', user, s.spec.name, '/bin/sh', '-c', script], 15_000);
  };

  const execOnce = async (s: Session, r: RunRequest, runId: string): Promise<RunResult> => {
    const trusted = !!s.spec.proxySocket;
    const env: Record<string, string> = { ...r.env, HOME: SANDBOX_HOME };
    if (trusted) {
      const proxy = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
      Object.assign(env, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy });
    }
    // A second command in flight in the session takes the CLI: the agent runs one at a time.
    const agent = s.inFlight <= 1 && !r.command.includes('\0') ? await agentFor(s) : undefined;
    if (agent && !agent.busy) {
      const { entries, dropped } = envEntries(env);
      if (dropped.length) log(`oci: env entries not passed (name or newline): ${dropped.join(', ')}`);
      let killer: Promise<unknown> | undefined;
      try {
        const res = await agent.run({ runId, command: r.command, env: entries, timeoutMs: r.timeoutMs, maxBytes: r.maxBytes, signal: r.signal, onKill: () => { killer ??= killerFor(s, runId); } });
        if (killer) await killer;
        return res;
      } catch (e) {
        // The agent died before it started the command (e.g. its container was removed): nothing
        // ran, so the CLI path runs it once, and reports a gone container as it always did.
        if (!(e instanceof AgentNotStarted)) throw e;
      }
    }
    // Values go through a 0600 file, not argv: host `ps` must not show the command's secrets. The
    // file lives in memory (/dev/shm) where there is one, so secrets never touch a disk.
    const { body, dropped } = envFileBody(env);
    if (dropped.length) log(`oci: env entries not passed (name or newline): ${dropped.join(', ')}`);
    envDir ??= mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'moltis-oci-env-'));
    const envFile = join(envDir, `${runId}.env`);
    writeFileSync(envFile, body, { mode: 0o600 });
    let killer: Promise<unknown> | undefined;
    const started = Date.now();
    try {
      const res = await runCaptured({
        file: bin,
        args: [...o.globalArgs, 'exec', '--user', user, '--workdir', SANDBOX_WORKSPACE, '--env-file', envFile,
          s.spec.name, '/bin/sh', '-c', execWrapper(trusted), `moltis-${runId}`, r.command, runId],
        env: gatewayEnv(), timeoutMs: r.timeoutMs, maxBytes: r.maxBytes, signal: r.signal, spawn: o.spawn,
        onKill: () => {
          // Called at every end; only a timeout or abort needs the in-container kill.
          if (killer || !(r.signal?.aborted || Date.now() - started >= r.timeoutMs)) return;
          killer = killerFor(s, runId);
        },
      });
      if (killer) await killer;
      return res;
    } finally {
      rmSync(envFile, { force: true });
    }
  };

  /** Best effort: was a 137 the memory cgroup's OOM killer? */
  const oomLimit = async (s: Session): Promise<string | undefined> => {
    const r = await engine(['exec', s.spec.name, '/bin/sh', '-c', 'cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null'], 10_000);
    const n = parseOomKills(r.stdout);
    if (n !== null) {
      const hit = n > s.oomKills;
      s.oomKills = n;
      return hit ? 'memory' : undefined;
    }
    const i = await engine(['inspect', '--format', '{{.State.OOMKilled}}', s.spec.name], 10_000);
    return i.stdout.trim() === 'true' ? 'memory' : undefined;
  };

  const remove = async (key: string): Promise<void> => {
    const s = sessions.get(key);
    sessions.delete(key);
    disarm(s);
    if (s) await s.ready.catch(() => {});
    await engine(['rm', '-f', ...noWait, containerName(key, instance)]);
  };

  return {
    name: o.engine,
    isolated: true,
    async run(r: RunRequest): Promise<RunResult> {
      if (closed) throw new Error('oci runner closed');
      const runId = randomBytes(6).toString('hex');
      let s: Session;
      try { s = await sessionFor(r, false); } catch (e) { return notRun(String((e as Error).message ?? e)); }
      s.inFlight++;
      const hits = s.diskHits;
      try {
        let res = await execOnce(s, r, runId);
        if (res.exitCode === 125 || res.exitCode === 126 || res.exitCode === 255) {
          // A retry re-runs an approved command: only when the engine itself says the container
          // is not running (a command can print "not running" and exit 126 on its own).
          const running = GONE.test(res.stderr) && !res.stdout && !res.timedOut && !res.aborted
            ? (await engine(['inspect', '--format', '{{.State.Running}}', s.spec.name], 15_000)).stdout.trim() === 'true'
            : true;
          if (!running) {
            // The container died (its init OOM-killed, removed by someone): a new one, same session.
            log(`oci: container ${s.spec.name} gone, recreating`);
            s.inFlight--;
            try { s = await sessionFor(r, true); } catch (e) { s.inFlight++; return notRun(String((e as Error).message ?? e)); }
            s.inFlight++;
            res = await execOnce(s, r, runId);
          }
        }
        // What this command wrote is looked at before its result goes back, so the run that went past the limit says so.
        await s.disk?.poll();
        if (s.diskHits > hits) {
          const note = diskLimitNote(o.limits.diskBytes, s.disk?.lastBytes);
          return { ...res, limit: 'disk', stderr: res.stderr ? `${res.stderr}\n${note}` : note };
        }
        if (res.exitCode === 128 + 25 && !res.timedOut && !res.aborted) return { ...res, limit: 'file-size' };
        if (res.exitCode === 137 && !res.timedOut && !res.aborted) {
          const limit = await oomLimit(s).catch(() => undefined);
          if (limit) res.limit = limit;
        }
        return res;
      } finally {
        s.inFlight--;
      }
    },
    async endSession(sessionKey: string): Promise<void> {
      await remove(sessionKey);
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all([...sessions.keys()].map((k) => remove(k)));
      await swept;
      if (envDir) rmSync(envDir, { recursive: true, force: true });
    },
  };
}

function sameSpec(a: OciContainerSpec, b: OciContainerSpec): boolean {
  return a.image === b.image && a.cwd === b.cwd && a.home === b.home && a.proxySocket === b.proxySocket;
}

function ownBy(path: string, user: string, log: (m: string) => void): void {
  const [u, g] = user.split(':').map(Number);
  if (u === undefined || !Number.isInteger(u)) return;
  try {
    const st = statSync(path);
    if (st.uid !== u) chownSync(path, u, Number.isInteger(g) ? (g as number) : st.gid);
  } catch (e) { log(`oci: cannot hand ${path} to ${user}: ${String(e)}`); }
}
