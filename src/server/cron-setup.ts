/**
 * Wires the scheduler to the agent, auth and the bus: firings become agent turns acting as the
 * job's creator; `auth.revoked` pauses the jobs of a dead credential; the `cron` tool and the
 * `cron.*` methods are offered.
 */
import { isRevokedBy, type Auth, type RevokedEvent } from '../auth/index.js';
import type { Agent, ToolRegistry } from '../agent/index.js';
import type { Config } from '../config/index.js';
import { agentExecutor, createCron, cronMethods, cronTool, readHeartbeatPrompt, type Cron } from '../cron/index.js';
import type { EventBus } from '../events/index.js';
import type { Gateway } from '../gateway/index.js';
import type { Identity } from '../policy/index.js';
import type { Store } from '../store/index.js';

/**
 * Is the credential a job acts as still valid? An API key: not revoked. The tier-2 loopback
 * caller: only while loopback still has full access. The owner: while an owner exists (a reset
 * removes it; the bus pauses such jobs at once, this covers a reset made while stopped).
 */
function creatorLive(auth: Auth, id: Identity): boolean {
  if (id.apiKeyId !== undefined) return auth.isIdentityLive(id, false);
  if (id.method === 'loopback') return auth.isIdentityLive(id, true);
  return auth.isSetupComplete();
}

/** Builds the scheduler and mounts its surfaces; `close()` stops it (before the agent and store close). */
export function setupCron(d: { config: Config; dataDir: string; store: Store; bus: EventBus; agent: Agent; auth: Auth; tools: ToolRegistry; gateway: Gateway; now: () => number; providers: { resolve(model: string | null | undefined): unknown } }): { cron: Cron; close(): void } {
  const cron = createCron({
    repo: d.store.cron, config: d.config, now: d.now,
    execute: agentExecutor({ agent: d.agent, bus: d.bus, sessions: d.store.chatSessions, now: d.now }),
    publish: (event, payload) => d.bus.publish(event, payload),
    audit: (type, detail, ip) => d.auth.audit(type, ip ?? null, detail),
    isCreatorLive: (id) => creatorLive(d.auth, id),
    heartbeatPrompt: () => readHeartbeatPrompt(d.dataDir),
    modelProblem: (model) => { try { d.providers.resolve(model); return null; } catch (err) { return (err as Error).message; } },
  });
  const stop = d.bus.subscribe(({ event, payload }) => {
    if (event === 'auth.revoked') cron.pauseWhere((id) => isRevokedBy(id, payload as RevokedEvent), (payload as RevokedEvent).reason);
  });
  d.tools.register(cronTool(cron));
  d.gateway.dispatcher.mount(cronMethods(cron));
  return { cron, close() { stop(); cron.close(); } };
}
