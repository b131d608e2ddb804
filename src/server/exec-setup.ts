/**
 * Wires the exec tool to its sandbox: picks the backend from `[tools.exec.sandbox]` (probing
 * once for `auto`), maps vault env vars in, frees a session's sandbox when the session goes, and
 * answers `sandbox.status`.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { parseMemory } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Gateway } from '../gateway/index.js';
import { createHostRunner, createSandbox, type Runner, type SandboxChoice, type SandboxProbes } from '../sandbox/index.js';
import { execTool, type ClassifierPort } from '../tools/index.js';
import type { Approvals } from '../approval/index.js';
import type { ToolDefinition } from '../agent/index.js';

export interface ExecSetupDeps {
  config: Config;
  dataDir: string;
  configDir: string;
  /** File names a host command must not touch without a human (identity files, moltis.db). */
  guardedNames: readonly string[];
  bus: EventBus;
  gateway: Gateway;
  /** Loads the classifier (its grammar is WASM): called on the first command, never at start-up. */
  classifier: () => Promise<ClassifierPort & { close(): void }>;
  approvals: Approvals;
  /** Owner-set env vars (vault kind "env"); empty while sealed. */
  envVars: () => Record<string, string>;
  /** This session's egress-proxy socket, when network = "trusted". */
  proxySocket?: (sessionKey: string) => Promise<string>;
  closeProxySession?: (sessionKey: string) => void;
  audit: (type: string, detail: string) => void;
  /** A scheduled job's sandbox setting for its session `cron:<id>` (null: not a job's session). */
  jobSandbox?: (sessionKey: string) => { enabled: boolean; image?: string } | null;
  /** Chooses the sandbox ({@link probeSandbox}); called once, on `ready()` or the first command. */
  sandbox: () => Promise<SandboxChoice>;
  print: (line: string) => void;
  /** How users run the CLI (`moltis` or `npx moltis`), for hints. */
  cli?: string;
}

const sandboxLimits = (c: Config) => {
  const l = c.tools.exec.sandbox.resource_limits;
  return { memoryBytes: parseMemory(l.memory_limit), cpuQuota: l.cpu_quota, pidsMax: l.pids_max, fileSizeBytes: parseMemory(l.file_size_limit), diskBytes: parseMemory(l.disk_limit) };
};

/**
 * Starts choosing the sandbox (probing backends takes engine calls); start-up runs it alongside
 * its other work and hands the promise to {@link setupExec}. The probe's long reasons go to
 * `details` (shown by `moltis sandbox status`); start-up prints one short line instead.
 */
export function probeSandbox(config: Config, dataDir: string, print: (line: string) => void, probe?: SandboxProbes, details?: (line: string) => void): Promise<SandboxChoice> {
  const sb = config.tools.exec.sandbox;
  const p = createSandbox({ enabled: sb.enabled, backend: sb.backend, limits: sandboxLimits(config), image: sb.image, ociArgs: [...sb.oci_args], instance: dataDir,
    log: (m, level) => {
      if (m.startsWith('sandbox: using ') || m.startsWith('sandbox: no sandbox backend works') || (level !== 'warn' && m.startsWith('sandbox: '))) { details?.(m); return; }
      print(level === 'warn' ? `  WARNING: ${m}` : `  ${m}`);
    }, ...(probe ? { probe } : {}) });
  p.catch(() => { /* reported where it is awaited */ });
  return p;
}

/** The one start-up line about the sandbox, e.g. `sandbox: bwrap (network off, 512 MiB, 256 pids)`. */
export function sandboxSummary(config: Config, chosen: SandboxChoice, cli = 'moltis'): string {
  const sb = config.tools.exec.sandbox;
  if (chosen.fallback) return `WARNING: sandbox: none — no sandbox backend works here, so every command needs approval; run \`${cli} sandbox status\` for details`;
  if (!chosen.runner.isolated) return `sandbox: off (${sb.enabled ? 'backend = "none"' : 'disabled in moltis.toml'}) — commands run on the host`;
  const l = sandboxLimits(config);
  const mib = l.memoryBytes >= 1024 ** 3 && l.memoryBytes % 1024 ** 3 === 0 ? `${l.memoryBytes / 1024 ** 3} GiB` : `${Math.round(l.memoryBytes / 1024 ** 2)} MiB`;
  const net = chosen.networkIsolated === false ? 'network NOT isolated' : sb.network === 'trusted' ? `network: ${sb.trusted_domains.length} trusted domain${sb.trusted_domains.length === 1 ? '' : 's'} via proxy` : 'network off';
  return `sandbox: ${chosen.runner.name} (${net}, ${mib}, ${l.pidsMax} pids)`;
}

/** What {@link setupExec} returns. */
export interface ExecSetup {
  /** The exec tool; a command waits for the sandbox choice before anything else happens. */
  tool: ToolDefinition;
  /** Starts probing (once) and resolves with the choice, after its start-up line is printed. */
  ready(): Promise<SandboxChoice>;
  /** Removes every session's sandbox. */
  close(): Promise<void>;
}

// Lends the exec tool its name, schema and timeout before the sandbox is chosen; never runs anything.
const NOT_CHOSEN: Runner = {
  name: 'pending', isolated: false,
  run: () => Promise.reject(new Error('the sandbox has not been chosen yet')),
  endSession: async () => {}, close: async () => {},
};

/**
 * Builds the exec tool without waiting for the sandbox probe (engine processes, the slowest
 * part of start-up) or the classifier's grammar: both are awaited by the first command instead.
 */
export function setupExec(d: ExecSetupDeps): ExecSetup {
  const ex = d.config.tools.exec;
  const sb = ex.sandbox;
  const limits = sandboxLimits(d.config);
  const network = sb.enabled ? sb.network : 'none';
  let classifier: ClassifierPort | null = null;
  let loading: Promise<ClassifierPort & { close(): void }> | null = null;
  const loadClassifier = async () => (classifier ??= await (loading ??= d.classifier()));
  let host: Runner | null = null;
  const build = (chosen: SandboxChoice): ToolDefinition => {
    const { runner } = chosen;
    return execTool({
      classifier: { classify: (c, o) => classifier!.classify(c, o) }, approvals: d.approvals, runner,
      workspaceRoot: join(d.dataDir, 'workspaces'), homeRoot: join(d.dataDir, 'homes'),
      network, networkOpen: chosen.networkIsolated === false, ...(d.proxySocket ? { proxySocket: d.proxySocket } : {}),
      forceApproval: chosen.fallback,
      placement: d.jobSandbox ? (ctx) => {
        // Only a job's own turns get its settings: a chat turn in a cron: session never does.
        if (ctx.origin !== 'cron') return null;
        const job = d.jobSandbox!(ctx.sessionKey);
        // Off only by an admin's decision (src/cron refuses it from anyone else, and from the model).
        if (job && !job.enabled) return { runner: host ??= createHostRunner() };
        // A job that wants a sandbox (or is unknown) never runs silently on the host: no working sandbox → a human approves.
        return { forceApproval: !runner.isolated, ...(job?.image ? { image: job.image } : {}) };
      } : undefined,
      guardedNames: [d.dataDir, d.configDir, ...d.guardedNames],
      extraEnv: d.envVars,
      mode: ex.approval_mode, securityLevel: ex.security_level, floorInSandbox: ex.floor_in_sandbox, allowlist: ex.allowlist, timeoutSecs: ex.timeout_secs, maxTimeoutSecs: ex.max_timeout_secs,
      outputMaxBytes: ex.output_max_bytes, approvalTimeoutSecs: ex.approval_timeout_secs,
      audit: d.audit,
    });
  };
  let choice: Promise<{ chosen: SandboxChoice; tool: ToolDefinition }> | null = null;
  let closed = false;
  const choose = () => (choice ??= d.sandbox().then((chosen) => {
    // A probe that ends during shutdown is not news: the gateway is going away.
    if (!closed) d.print(`  ${sandboxSummary(d.config, chosen, d.cli)}`);
    // Never a silent downgrade: the summary warns loudly, the reason is audited; a human approves every command.
    if (chosen.fallback) d.audit('sandbox_fallback', chosen.reason);
    return { chosen, tool: build(chosen) };
  }));
  const shape = build({ runner: NOT_CHOSEN, chosen: 'pending', reason: 'not chosen yet', fallback: true });
  const tool: ToolDefinition = {
    ...shape,
    async execute(input, ctx) {
      // Fail closed: a command waits for the probe's choice; there is no host runner to fall back on meanwhile.
      const { tool: chosenTool } = await choose();
      await loadClassifier();
      return chosenTool.execute(input, ctx);
    },
  };
  // A deleted chat session takes its sandbox (container, proxy socket) with it.
  const unsubscribe = d.bus.subscribe((e) => {
    if (e.event !== 'sessions.changed') return;
    const p = e.payload as { kind?: string; key?: string };
    if (p.kind !== 'deleted' || typeof p.key !== 'string') return;
    d.closeProxySession?.(p.key);
    const key = p.key;
    choose().then(({ chosen }) => chosen.runner.endSession(key)).catch((err: Error) => d.print(`sandbox cleanup for session ${key} failed: ${err.message}`));
  });
  d.gateway.dispatcher.register('sandbox.status', async () => {
    const { chosen } = await choose();
    const { runner } = chosen;
    return {
      enabled: sb.enabled,
      requested: sb.backend,
      backend: runner.name,
      isolated: runner.isolated,
      fallback: chosen.fallback,
      reason: chosen.reason,
      approvalMode: chosen.fallback ? 'always' : ex.approval_mode,
      securityLevel: ex.security_level,
      floorInSandbox: runner.isolated ? ex.floor_in_sandbox : null,
      image: runner.name === 'podman' || runner.name === 'docker' || runner.name === 'apple-container' ? sb.image : null,
      limits: {
        memory: sb.resource_limits.memory_limit, memoryBytes: limits.memoryBytes, cpuQuota: limits.cpuQuota, pidsMax: limits.pidsMax,
        fileSize: sb.resource_limits.file_size_limit, fileSizeBytes: limits.fileSizeBytes, disk: sb.resource_limits.disk_limit, diskBytes: limits.diskBytes,
        timeoutSecs: ex.timeout_secs, maxTimeoutSecs: ex.max_timeout_secs, outputMaxBytes: ex.output_max_bytes,
      },
      // What a command can actually reach: the host's network when not isolated, whatever was asked.
      network: !runner.isolated ? 'host' : chosen.networkIsolated === false ? 'open' : network,
      ...(chosen.networkIsolated === false ? { networkWarning: 'this backend cannot cut the network: commands can reach it' } : {}),
      trustedDomains: network === 'trusted' ? [...sb.trusted_domains] : [],
    };
  });
  return {
    tool,
    ready: async () => (await choose()).chosen,
    async close() {
      closed = true;
      unsubscribe();
      // A probe still running is waited for, so the runner it creates is closed too.
      const c = choice ? await choice.catch(() => null) : null;
      await c?.chosen.runner.close();
      if (loading) (await loading.catch(() => null))?.close();
    },
  };
}
