/**
 * Scheduled jobs: jobs in SQLite, the scheduler (croner for expressions), the creation limit,
 * the heartbeat system job, the `cron.*` RPC methods and the agent's `cron` tool.
 */
export { createCron, type Cron, type CronDeps } from './cron.js';
export { cronMethods } from './rpc.js';
export { cronTool } from './tool.js';
export { agentExecutor } from './executor.js';
export { CronError, type CronErrorCode } from './errors.js';
export type { Timers, ExecuteRequest, ExecuteResult } from './firing.js';
export { HEARTBEAT_FILE, readHeartbeatPrompt } from './heartbeat.js';
export { HEARTBEAT_ID, isCronSession, type CronJob, type CronRun, type Schedule, type Payload, type JobSandbox, type Creator, type Actor } from './types.js';
