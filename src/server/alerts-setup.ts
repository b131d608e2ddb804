/**
 * Wires the security alert engine into a running gateway: every `auth.audit` entry on the bus is
 * fed to the rules; alerts are published as `security.alert` and handed to `SecurityAlert` hooks.
 */
import type { Auth } from '../auth/index.js';
import type { Config } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { Store, AuditRow } from '../store/index.js';
import type { MethodTable } from '../rpc/index.js';
import { alertMethods, createAlertEngine } from '../audit/index.js';
import type { createHooks } from '../hooks/index.js';
import { actorOf } from './audit-setup.js';

/** Starts the engine (unless `[monitoring] enabled = false`); returns its RPC table and `close()`. */
export function setupAlerts(d: { store: Store; bus: EventBus; auth: Auth; config: Config; hooks: ReturnType<typeof createHooks>; now: () => number; print: (l: string) => void }): { methods: MethodTable; close: () => void } {
  const m = d.config.monitoring;
  const methods = alertMethods({ repo: d.store.securityAlerts, now: d.now, actorOf, audit: (type, detail, actor) => d.auth.audit(type, null, detail, actor) });
  if (!m.enabled) return { methods, close: () => {} };
  const engine = createAlertEngine({
    repo: d.store.securityAlerts, now: d.now, maxPerRulePerHour: m.max_alerts_per_rule_per_hour,
    thresholds: { ...m, cron_window_secs: d.config.cron.rate_limit_window_secs },
    publish: (alert) => d.bus.publish('security.alert', alert),
    audit: (type, detail) => d.auth.audit(type, null, detail, 'system'),
    notify: (alert) => {
      d.hooks.run('SecurityAlert', { sessionKey: 'system', input: alert }).catch((err: unknown) => d.print(`SecurityAlert hook failed: ${(err as Error).message}`));
    },
  });
  const unsubscribe = d.bus.subscribe((e) => {
    if (e.event !== 'auth.audit') return;
    // The engine must never break the audit append that published this entry.
    try { engine.observe(e.payload as AuditRow); } catch (err) { d.print(`security alerts: ${(err as Error).message}`); }
  });
  return { methods, close: () => { unsubscribe(); engine.close(); } };
}
