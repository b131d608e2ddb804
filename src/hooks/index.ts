/**
 * Shell hooks (dcg-compatible): a configured command runs on an event with the event as JSON on
 * stdin. Exit 0 allows — stdout may carry `{"input": {...}}` to modify a tool call, or the
 * Claude-Code-style `{"hookSpecificOutput": {"permissionDecision": "deny", …}}` to block; any other
 * exit blocks with stderr as the reason. A guard hook fails closed on a crash or timeout.
 */
import { spawn } from 'node:child_process';

export type HookEvent = 'BeforeAgentStart' | 'BeforeToolCall' | 'AfterToolCall' | 'SecurityAlert';
export interface HookConfig { name: string; command: string; events: readonly HookEvent[]; tools?: readonly string[] | undefined; guard: boolean; timeout_secs: number }
export type HookVerdict = { allow: true; input?: unknown } | { allow: false; reason: string; hook: string };

const MAX_OUTPUT = 64 * 1024;

/** Runs one hook process; never throws. */
function runHook(h: HookConfig, payload: unknown, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; failed: string | null }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', h.command], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let failed: string | null = null;
    const kill = () => { try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
    const timer = setTimeout(() => { failed = `timed out after ${h.timeout_secs}s`; kill(); }, h.timeout_secs * 1000);
    child.stdout.on('data', (c: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += c.toString('utf8'); });
    child.on('error', (e) => { failed = `could not start: ${e.message}`; });
    child.stdin.on('error', () => { /* the hook may exit without reading */ });
    child.stdin.end(JSON.stringify(payload));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!failed && signal) failed = `killed by ${signal}`;
      resolve({ code, stdout, stderr, failed });
    });
  });
}

/** The hook runner for the configured `[[hooks]]`. */
export function createHooks(o: { hooks: readonly HookConfig[]; audit: (type: string, detail: string) => void }) {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };
  return {
    list: () => o.hooks.map((h) => ({ name: h.name, events: h.events, tools: h.tools ?? null, guard: h.guard, timeoutSecs: h.timeout_secs })),
    /**
     * Runs every hook for `event` in order; the first block wins. For tool calls the payload carries
     * both our fields and dcg's (`tool_name: "Bash"`, `tool_input.command` for exec).
     */
    async run(event: HookEvent, data: { sessionKey: string; toolName?: string; input?: unknown; output?: unknown }): Promise<HookVerdict> {
      let input = data.input;
      for (const h of o.hooks) {
        if (!h.events.includes(event)) continue;
        if (data.toolName && h.tools && !h.tools.includes(data.toolName)) continue;
        const payload = {
          event, hook_event_name: event === 'BeforeToolCall' ? 'PreToolUse' : event === 'AfterToolCall' ? 'PostToolUse' : event,
          session: data.sessionKey, tool: data.toolName ?? null, input, ...(data.output !== undefined ? { output: data.output } : {}),
          ...(data.toolName === 'exec' ? { tool_name: 'Bash', tool_input: { command: (input as { command?: string })?.command ?? '' } } : data.toolName ? { tool_name: data.toolName, tool_input: input } : {}),
        };
        const r = await runHook(h, payload, env);
        if (r.failed) {
          o.audit(h.guard ? 'hook_blocked' : 'hook_failed', `hook=${h.name} event=${event} ${r.failed}`);
          // Fail closed for guards: a guard that cannot answer is a guard that says no.
          if (h.guard) return { allow: false, reason: `guard hook ${h.name} ${r.failed}`, hook: h.name };
          continue;
        }
        if (r.code !== 0) {
          const reason = r.stderr.trim() || `hook ${h.name} exited with ${r.code}`;
          o.audit('hook_blocked', `hook=${h.name} event=${event} reason=${JSON.stringify(reason.slice(0, 500))}`);
          return { allow: false, reason, hook: h.name };
        }
        const out = parseJson(r.stdout);
        const decision = (out as { hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string } } | null)?.hookSpecificOutput;
        if (decision?.permissionDecision === 'deny') {
          const reason = decision.permissionDecisionReason ?? `denied by hook ${h.name}`;
          o.audit('hook_blocked', `hook=${h.name} event=${event} reason=${JSON.stringify(reason.slice(0, 500))}`);
          return { allow: false, reason, hook: h.name };
        }
        if (out && typeof out === 'object' && 'input' in out && event === 'BeforeToolCall') input = (out as { input: unknown }).input;
      }
      return input === data.input ? { allow: true } : { allow: true, input };
    },
  };
}
export type Hooks = ReturnType<typeof createHooks>;

function parseJson(s: string): unknown {
  const t = s.trim();
  if (!t.startsWith('{')) return null;
  try { return JSON.parse(t); } catch { return null; }
}
