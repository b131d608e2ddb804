/**
 * The agent: LLM providers through the `ai` SDK, chat turns streamed as events, the tool
 * registry, and the chat/session/identity/provider RPC methods.
 */
export { createAgent, ChatError, MAX_ACTIVE_RUNS, type Agent, type AgentDeps, type TurnContext } from './runner.js';
export { createToolRegistry, currentTimeTool, type ToolDefinition, type ToolContext, type ToolRegistry, type Origin } from './tools.js';
export { listModels, resolveModelRef, languageModel, envKeyName, configProviders, ProviderError, NO_PROVIDER_HELP, MODELS_PAGE, type ModelRef, type KeyLookup, type ProviderEntry } from './providers.js';
export { createProviderRegistry, type ProviderRegistry } from './registry.js';
export { PROVIDER_KINDS, LOCAL_SERVERS, PROVIDER_PRIVATE_CIDRS, kindOf, type LocalServer, type ProviderKind } from './catalog.js';
export { providerAllowlist, guardedProviderFetch, listRemoteModels, checkProviderUrl, type ProviderNet } from './remote.js';
export { readableError } from './errors.js';
export { agentMethods, type IdentityPort, type ProviderSecrets } from './methods.js';
