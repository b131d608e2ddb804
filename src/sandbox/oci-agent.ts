import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { capture, type SpawnFn } from './capture.js';
import type { RunResult } from './types.js';

/*
 * The exec agent: one long-lived `podman exec -i` per warm session container, a /bin/sh loop that
 * reads one request per line and runs it, instead of one engine CLI process (plus conmon and an OCI
 * runtime exec) per command. It runs as the sandbox uid, in /workspace, and does exactly what the
 * per-command wrapper (execWrapper) does: the command gets /dev/null as stdin, its own session
 * (setsid) whose group is killed when it ends, its pid in /tmp/.moltis-run-<runId> for the timeout
 * killer, and only the request's env on top of the container's.
 *
 * Trust: the agent has the command's uid, so a command can kill, trace or feed it; it gains
 * nothing by that (it already is that uid in that container), and the gateway trusts the agent
 * for nothing but the session's own results. Caps, timeouts and abort are enforced here, on the
 * gateway side, and the timeout kill goes through a separate engine exec, never through the agent.
 * A run's end is a marker carrying a per-run secret nonce that only the request line holds (never
 * a file or argv), so output cannot end a run early by printing it. A dead agent is never asked to
 * run a command again; a command that was sent is never re-sent.
 */

/** Arguments: none. Request lines: `set -- nonce runId command [K=V ...]`, shell-quoted by {@link agentLine}. */
export function agentScript(trusted: boolean): string {
  const wait = trusted
    ? `i=0; while [ $i -lt 200 ] && ! grep -q ':0C38 00000000:0000 0A' /proc/net/tcp 2>/dev/null; do usleep 10000; i=$((i+1)); done; `
    : '';
  return `${wait}nl='\n'; echo moltis-agent-ready; `
    + 'while IFS= read -r line; do eval "set -- $line" || exit 1; n=$1; id=$2; c=$3; shift 3; printf "%s+\\n" "$n"; '
    + '( for kv do export "$kv"; done; exec setsid /bin/sh -c "$c" ) </dev/null & p=$!; echo $p > /tmp/.moltis-run-$id; '
    + 'wait $p; r=$?; kill -9 -$p 2>/dev/null; rm -f /tmp/.moltis-run-$id; printf "%s\\n" "$n" >&2; printf "%s:%d\\n" "$n" "$r"; done';
}

/** One shell word for any string without NUL: single quotes, newlines as "$nl" (the agent reads one line per request). */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`).replace(/\n/g, `'"$nl"'`)}'`;
}

/** The request line for one run. */
export function agentLine(nonce: string, runId: string, command: string, env: string[]): string {
  return `${[nonce, runId, command, ...env].map(shellWord).join(' ')}\n`;
}

/** Options of {@link startOciAgent}. */
export interface OciAgentOptions {
  /** The engine binary and the argv that starts the agent (`[...global, 'exec', '-i', ..., '/bin/sh', '-c', agentScript()]`). */
  file: string;
  args: string[];
  env: Record<string, string>;
  spawn?: SpawnFn;
  /** How long the agent may take to say it is ready. */
  readyTimeoutMs: number;
}

/** One run through the agent. */
export interface AgentRun {
  runId: string;
  command: string;
  /** `K=V` entries (already filtered like the env file). */
  env: string[];
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  /** Called once on timeout or abort: kills the command inside the container (a separate engine exec). */
  onKill: () => void;
}

/** A session's agent. */
export interface OciAgent {
  /** False once the agent exited (or was closed): it is never used again. */
  readonly alive: boolean;
  /** True while a command it was sent has not reported its end (also after a timeout, until it does). */
  readonly busy: boolean;
  run(r: AgentRun): Promise<RunResult>;
  close(): void;
}

interface Pending {
  /** `nonce+\n`: the agent took the request; the command starts right after. */
  ackMark: Buffer;
  acked: boolean;
  outMark: Buffer;
  errMark: Buffer;
  exit?: number;
  errDone: boolean;
  emitOut: (b: Buffer) => void;
  emitErr: (b: Buffer) => void;
  /** exit: the command's status; null: the agent died after starting it; 'not-started': died before. */
  done: (exit: number | null | 'not-started') => void;
}

/** Thrown by {@link OciAgent.run} when the agent died before it started the command: nothing ran, another path may run it. */
export class AgentNotStarted extends Error {}

const EMPTY: Buffer = Buffer.alloc(0);
const drop = (): void => {};

/*
 * Scans a stream for `mark`: bytes before it are the run's, the marker ends it. A tail as long as
 * the marker is held back so a marker split across chunks is still seen.
 */
function scan(tail: Buffer, chunk: Buffer, mark: Buffer, emit: (b: Buffer) => void): { tail: Buffer; at?: Buffer } {
  const s = tail.length ? Buffer.concat([tail, chunk]) : chunk;
  const i = s.indexOf(mark);
  if (i >= 0) { if (i > 0) emit(s.subarray(0, i)); return { tail: EMPTY, at: s.subarray(i + mark.length) }; }
  const keep = Math.min(s.length, mark.length - 1);
  if (s.length > keep) emit(s.subarray(0, s.length - keep));
  return { tail: Buffer.from(s.subarray(s.length - keep)) };
}

/**
 * Starts the agent and resolves once it is ready; rejects (nothing was run) when it cannot start.
 */
export function startOciAgent(o: OciAgentOptions): Promise<OciAgent> {
  const spawn = o.spawn ?? nodeSpawn;
  const child: ChildProcess = spawn(o.file, o.args, { env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let alive = true;
  let ready = false;
  // The run the agent is on. A run given up on (timeout/abort) stays here, its output dropped,
  // until its end markers arrive: the agent is busy until then, never on two commands at once.
  let cur: Pending | undefined;
  let outTail: Buffer = EMPTY;
  let errTail: Buffer = EMPTY;
  let startErr = '';
  const kill = () => { try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };

  const maybeDone = () => {
    const p = cur;
    if (!p || p.exit === undefined || !p.errDone) return;
    cur = undefined;
    p.done(p.exit);
  };

  const onStdout = (c: Buffer): void => {
    const p = cur;
    if (!ready || !p || p.exit !== undefined) return; // nothing asked: a leftover of an earlier command writing after its end
    if (!p.acked) {
      // Before the ack, output is a leftover's, not this command's.
      const a = scan(outTail, c, p.ackMark, drop);
      outTail = a.tail;
      if (!a.at) return;
      p.acked = true;
      outTail = EMPTY;
      if (a.at.length) onStdout(a.at);
      return;
    }
    const r = scan(outTail, c, p.outMark, p.emitOut);
    outTail = r.tail;
    if (!r.at) return;
    const m = /^(\d+)\n/.exec(r.at.toString('latin1'));
    if (m) { p.exit = Number(m[1]); outTail = EMPTY; maybeDone(); } else outTail = Buffer.concat([p.outMark, r.at]);
  };
  child.stdout?.on('data', onStdout);
  child.stderr?.on('data', (c: Buffer) => {
    if (!ready) { startErr += c.toString(); return; }
    const p = cur;
    if (!p || p.errDone) return; // not gated on the ack: the two pipes are read in no fixed order
    const r = scan(errTail, c, p.errMark, p.emitErr);
    errTail = r.tail;
    if (r.at) { p.errDone = true; errTail = EMPTY; maybeDone(); }
  });

  const agent: OciAgent = {
    get alive() { return alive; },
    get busy() { return cur !== undefined; },
    run(r: AgentRun): Promise<RunResult> {
      if (!alive || cur) return Promise.reject(new AgentNotStarted('the exec agent is not available'));
      const nonce = randomBytes(16).toString('hex');
      const started = Date.now();
      const cap = capture(r.maxBytes);
      outTail = EMPTY;
      errTail = EMPTY;
      return new Promise<RunResult>((resolve, reject) => {
        let timedOut = false;
        let aborted = false;
        let settled = false;
        const settle = (exitCode: number | null, sig: string | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          r.signal?.removeEventListener('abort', onAbort);
          resolve({ exitCode, signal: sig, timedOut, aborted, durationMs: Date.now() - started, ...cap.result() });
        };
        const p: Pending = {
          ackMark: Buffer.from(`${nonce}+\n`), acked: false, outMark: Buffer.from(`${nonce}:`), errMark: Buffer.from(`${nonce}\n`), errDone: false,
          emitOut: cap.out, emitErr: cap.err,
          // A dead agent (null) ends the run as killed: the command may have run; it is never re-sent.
          done: (exit) => {
            if (exit !== 'not-started') { settle(exit, exit === null ? 'SIGKILL' : null); return; }
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            r.signal?.removeEventListener('abort', onAbort);
            reject(new AgentNotStarted('the exec agent exited before it started the command'));
          },
        };
        const giveUp = () => {
          p.emitOut = drop;
          p.emitErr = drop;
          try { r.onKill(); } catch { /* the caller's killer logs its own failures */ }
          settle(null, 'SIGKILL');
        };
        const timer = setTimeout(() => { timedOut = true; giveUp(); }, r.timeoutMs);
        const onAbort = () => { aborted = true; giveUp(); };
        if (r.signal?.aborted) { aborted = true; settle(null, null); return; } // never sent
        cur = p;
        r.signal?.addEventListener('abort', onAbort, { once: true });
        child.stdin?.write(agentLine(nonce, r.runId, r.command, r.env));
      });
    },
    close() { alive = false; child.stdin?.end(); kill(); },
  };

  return new Promise<OciAgent>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => { kill(); reject(new Error(`the exec agent did not start within ${o.readyTimeoutMs} ms`)); }, o.readyTimeoutMs);
    const onReady = (c: Buffer) => {
      buf += c.toString('latin1');
      if (!buf.startsWith('moltis-agent-ready\n')) { if (buf.length > 64 || !'moltis-agent-ready\n'.startsWith(buf)) { clearTimeout(timer); kill(); reject(new Error(`the exec agent said ${JSON.stringify(buf.slice(0, 64))}`)); } return; }
      child.stdout?.off('data', onReady);
      ready = true;
      clearTimeout(timer);
      resolve(agent);
    };
    // Registered before the run handler's: the ready line is consumed here, and cur is unset until then.
    child.stdout?.prependListener('data', onReady);
    child.stdin?.on('error', () => { /* EPIPE when the agent died: its exit ends the run */ });
    child.once('error', (e) => { alive = false; clearTimeout(timer); reject(new Error(`cannot start the exec agent: ${e.message}`)); });
    child.once('close', (code) => {
      alive = false;
      clearTimeout(timer);
      if (!ready) reject(new Error(`the exec agent exited (${code}) before it was ready: ${startErr.trim().split('\n').slice(-1)[0] ?? ''}`));
      const p = cur;
      cur = undefined;
      p?.done(p.acked ? null : 'not-started');
    });
  });
}

/** A session container's agent over its life: started on first use, restarted after it died, stopped when idle. */
export interface SessionAgent {
  /** The ready agent, or undefined (this command takes the CLI path): it could not start, or it is busy. */
  get(): Promise<OciAgent | undefined>;
  stop(): void;
}

/** Options of {@link createSessionAgent}. */
export interface SessionAgentOptions {
  start: () => Promise<OciAgent>;
  /** Stopped after this long without a command (each holds an engine client process on the host). */
  idleMs: number;
  onStarted: () => void;
  onFailed: (reason: string) => void;
}

/** Keeps one session's agent; an agent that could not start once is not tried again for that container. */
export function createSessionAgent(o: SessionAgentOptions): SessionAgent {
  let current: Promise<OciAgent | undefined> | undefined;
  let failed = false;
  let idle: NodeJS.Timeout | undefined;
  const stop = () => { clearTimeout(idle); const c = current; current = undefined; void c?.then((a) => a?.close()); };
  const arm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => { void current?.then((a) => { if (a?.busy) arm(); else stop(); }); }, o.idleMs);
    idle.unref?.();
  };
  return {
    async get() {
      if (failed) return undefined;
      const pending = current;
      if (pending) {
        const a = await pending;
        // Dead (killed with a timed-out command, or by one): a new one, unless another run started it already.
        if (a?.alive) { arm(); return a.busy ? undefined : a; }
        if (current === pending) current = undefined;
      }
      current ??= o.start().then((a) => { o.onStarted(); return a; }, (e: unknown) => {
        // Fail over, not open: nothing was run; this container's commands take the CLI path.
        failed = true;
        o.onFailed((e as Error).message);
        return undefined;
      });
      const a = await current;
      arm();
      return a?.alive && !a.busy ? a : undefined;
    },
    stop,
  };
}
