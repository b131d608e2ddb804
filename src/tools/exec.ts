import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ToolContext, ToolDefinition } from '../agent/index.js';
import { HOOK_ENV, type ApprovalMode, type Approvals, type ClassifierOptions, type Decision, type FloorInSandbox, type SecurityLevel } from '../approval/index.js';
import type { Runner } from '../sandbox/index.js';

/** What exec needs from the classifier (`src/approval`). */
export interface ClassifierPort {
  /** May be async: the real classifier loads its grammar on first use. */
  classify(command: string, o: ClassifierOptions): Decision | Promise<Decision>;
}

export interface ExecOptions {
  classifier: ClassifierPort;
  approvals: Approvals;
  runner: Runner;
  /** Per-session workspaces live here, one directory each (never the data dir itself). */
  workspaceRoot: string;
  /** Per-session homes live here, apart from workspaces (a sandbox mounts one at /home/sandbox). */
  homeRoot: string;
  /** "trusted": sandboxed commands reach allowlisted domains through the egress proxy. */
  network?: 'none' | 'trusted';
  /** The sandbox cannot cut the network (some backends): remote-effect floor rules ask as with "trusted". */
  networkOpen?: boolean;
  /** This session's egress-proxy socket (trusted mode). */
  proxySocket?: (sessionKey: string) => Promise<string>;
  /** The sandbox was asked for but none works: every command needs a human's approval. */
  forceApproval?: boolean;
  /**
   * Per-turn placement (scheduled jobs): another runner (the host, for a job an admin took out
   * of the sandbox), an image, or approval for every command. Null: the defaults above.
   */
  placement?: (ctx: ToolContext) => { runner?: Runner; image?: string; forceApproval?: boolean } | null;
  /**
   * Host execution only: names of the gateway's own files (identity files, database, config). A
   * command naming one needs a human in every mode. Text matching is evadable, so this is a
   * tripwire; the sandbox, which never mounts them, is the control.
   */
  guardedNames?: readonly string[];
  /** Owner-set environment variables (from the vault; empty while sealed). */
  extraEnv?: () => Record<string, string>;
  mode: ApprovalMode;
  securityLevel: SecurityLevel;
  /** Which floor rules still ask when the runner is an isolating sandbox. */
  floorInSandbox: FloorInSandbox;
  allowlist: readonly string[];
  timeoutSecs: number;
  maxTimeoutSecs: number;
  outputMaxBytes: number;
  approvalTimeoutSecs: number;
  audit: (type: string, detail: string) => void;
}

/** Most times an approver may send back a modified command within one call. */
const MAX_MODIFY_ROUNDS = 3;

/** A per-session working directory under the data dir's `workspaces/` (never the data dir itself). */
export function workspaceFor(root: string, sessionKey: string): string {
  const safe = sessionKey.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  const tag = createHash('sha256').update(sessionKey).digest('hex').slice(0, 8);
  const dir = join(root, `${safe}-${tag}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The owner's variables, minus names a shell can't hold and loader/runtime hooks (the floor's HOOK_ENV list). */
export function safeEnv(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (ENV_NAME.test(k) && !HOOK_ENV.test(k) && !v.includes('\0')) out[k] = v;
  return out;
}

/**
 * The `exec` tool: classify → (ask a human) → run. The command that runs is exactly the one
 * classified or approved; a modified command is classified again. The environment is minimal:
 * none of the gateway's own variables or secrets reach the command.
 */
export function execTool(o: ExecOptions): ToolDefinition {
  return {
    name: 'exec',
    description: 'Run a shell command in the session workspace. Read-only commands may run at once; others wait for the owner\'s approval. Returns exit code, stdout and stderr.',
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'the shell command' },
        timeout_secs: { type: 'number', description: `time limit (default ${o.timeoutSecs}, at most ${o.maxTimeoutSecs})` },
      },
      required: ['command'],
      additionalProperties: false,
    },
    scope: 'operator.write',
    timeoutMs: (o.approvalTimeoutSecs * (MAX_MODIFY_ROUNDS + 1) + o.maxTimeoutSecs + 5) * 1000,
    async execute(input, ctx) {
      const p = input as { command?: unknown; timeout_secs?: unknown };
      if (typeof p.command !== 'string' || p.command.trim() === '' || p.command.length > 16_384) return { error: 'command must be a non-empty string of at most 16384 characters' };
      const timeoutSecs = typeof p.timeout_secs === 'number' && p.timeout_secs > 0 ? Math.min(p.timeout_secs, o.maxTimeoutSecs) : o.timeoutSecs;
      // Seed "Channel Isolation": strangers' commands run only inside a sandbox, never on the host.
      let command = p.command;
      let approvedBy: string = 'policy';
      const place = o.placement?.(ctx) ?? null;
      const runner = place?.runner ?? o.runner;
      if (ctx.origin === 'channel' && !runner.isolated) return { status: 'denied', reason: 'commands from chat channels run only in a sandbox, and none is available' };
      const forceApproval = o.forceApproval === true || place?.forceApproval === true;
      for (let round = 0; ; round++) {
        // Fail closed: a requested sandbox that does not work means a human approves every command;
        // so does a turn whose level says every command needs approval (a channel at "execute").
        const touchesOwnFiles = !runner.isolated && (o.guardedNames ?? []).some((n) => command.includes(n));
        const mode = forceApproval || touchesOwnFiles || ctx.approval === 'always' ? 'always' : o.mode;
        const sandbox = runner.isolated ? { network: o.network === 'trusted' || o.networkOpen === true, floor: o.floorInSandbox } : undefined;
        const d = await o.classifier.classify(command, { mode, securityLevel: o.securityLevel, allowlist: [...o.allowlist], ...(sandbox ? { sandbox } : {}) });
        if (d.decision === 'run') break;
        if (d.decision === 'deny') {
          // security_level "deny": refused without asking anyone.
          o.audit('exec_denied', `session=${ctx.sessionKey} reason=${JSON.stringify(d.reason)} command=${JSON.stringify(command)}`);
          return { status: 'denied', command, reason: d.reason };
        }
        if (o.approvals.isRemembered(ctx.sessionKey, command)) { approvedBy = 'remembered'; break; }
        if (round > MAX_MODIFY_ROUNDS) return { status: 'denied', reason: 'too many modifications' };
        const { outcome } = o.approvals.request({ sessionKey: ctx.sessionKey, command, reason: d.reason, rule: d.rule, signal: ctx.signal });
        const answer = await outcome;
        if (answer.decision === 'deny') return { status: 'denied', command, reason: answer.reason };
        if (answer.decision === 'approve') { approvedBy = 'approver'; break; }
        command = answer.command; // modified: classified again before it may run
      }
      const cwd = workspaceFor(o.workspaceRoot, ctx.sessionKey);
      const home = workspaceFor(o.homeRoot, ctx.sessionKey);
      const env = { ...safeEnv(o.extraEnv?.() ?? {}), PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', TERM: 'dumb' };
      const network = runner.isolated ? o.network ?? 'none' : 'none';
      const proxySocket = network === 'trusted' && o.proxySocket ? await o.proxySocket(ctx.sessionKey) : undefined;
      const r = await runner.run({
        command, cwd, home, env, timeoutMs: timeoutSecs * 1000, maxBytes: o.outputMaxBytes, signal: ctx.signal,
        sessionKey: ctx.sessionKey, network, ...(proxySocket ? { proxySocket } : {}), ...(place?.image ? { image: place.image } : {}),
      });
      o.audit('exec_run', `session=${ctx.sessionKey} by=${approvedBy} exit=${r.exitCode ?? r.signal} command=${JSON.stringify(command)}`);
      return {
        status: r.timedOut ? 'timeout' : r.aborted ? 'aborted' : 'completed',
        command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr,
        ...(r.truncated ? { truncated: true } : {}), ...(r.limit ? { limit: r.limit } : {}), durationMs: r.durationMs,
        sandbox: runner.name,
      };
    },
  };
}
