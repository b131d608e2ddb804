/**
 * The agent's built-in tools that touch the outside world (exec now; web_fetch with the SSRF guard).
 */
export { execTool, workspaceFor, type ExecOptions, type ClassifierPort } from './exec.js';
export { webFetchTool, type WebFetchOptions } from './web-fetch.js';
