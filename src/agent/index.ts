/**
 * The agent: LLM providers through the `ai` SDK, chat turns streamed as events, the tool
 * registry, and the chat/session/identity/provider RPC methods.
 */
export { createAgent, ChatError, MAX_ACTIVE_RUNS, type Agent, type AgentDeps, type TurnContext } from './runner.js';
export { createToolRegistry, currentTimeTool, type ToolDefinition, type ToolContext, type ToolRegistry, type Origin } from './tools.js';
export { listModels, resolveModelRef, languageModel, envKeyName, ProviderError, NO_PROVIDER_HELP, type ModelRef, type KeyLookup } from './providers.js';
export { readableError } from './errors.js';
export { agentMethods, type IdentityPort, type ProviderSecrets } from './methods.js';
