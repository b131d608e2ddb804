/**
 * Public surface of the config capability: load and validate moltis.toml once, strictly, then
 * hand out a deep-frozen Config.
 */
export { loadConfig, parseConfig, CONFIG_FILE_NAME } from './load.js';
export type { LoadConfigOptions, LoadedConfig, ParseConfigOptions } from './load.js';
export { ConfigError, CONFIG_ERROR_CODES, formatIssue } from './errors.js';
export type { ConfigErrorCode, ConfigIssue } from './errors.js';
export { DEFAULTS, ConfigSchema, parseMemory, SANDBOX_BACKENDS, NETWORK_MODES } from './schema.js';
export { IMAGE_REF_RE } from './sandbox.js';
export type { SandboxBackendName, NetworkMode } from './schema.js';
export { parseDuration, imageRefProblem } from './cron-schema.js';
export type { Config, DeepReadonly } from './schema.js';
export { exampleToml } from './example.js';
export { APPROVAL_MODES, SECURITY_LEVELS, FLOOR_IN_SANDBOX, parseApprovalMode, parseChoice } from './exec-policy.js';
export type { ApprovalMode, SecurityLevel, FloorInSandbox } from './exec-policy.js';
export {
  CHANNEL_TYPES, CHANNEL_SECRET_FIELDS, DEFAULT_API_BASE_URL, ACCOUNT_ID, ACCOUNT_ID_HELP,
  telegramSettingsSchema, slackSettingsSchema, apiBaseUrlProblem, apiSchemeProblem,
  type ChannelType, type TelegramSettings, type SlackSettings, type TelegramAccountConfig, type SlackAccountConfig,
} from './channels-schema.js';
export { parseEnvFlag, RESERVED_ENV } from './overrides.js';
export type { CliOverrides, Env } from './overrides.js';
