/**
 * Security alerts: a small rule engine over the audit stream, its RPC table and the rule names.
 */
export { createAlertEngine, ALERT_AUDIT_TYPES, type AlertEngine, type SecurityAlert } from './engine.js';
export { alertMethods, alertView } from './methods.js';
export { ALERT_RULES, createRules, obfuscationSignal, detailField, type AlertRuleName, type AlertSeverity, type RuleHit, type RuleThresholds } from './rules.js';
export { sessionFamily, commandShapes, type NoveltySettings } from './novelty.js';
