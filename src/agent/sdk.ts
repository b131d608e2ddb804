/**
 * The parts of the AI SDK the agent uses, in one module that is imported only on the first chat
 * turn: loading `ai` and the provider packages costs about 0.35 s, which every start-up (and
 * every gateway that never chats) would otherwise pay.
 */
export { jsonSchema, stepCountIs, streamText, tool } from 'ai';
export { createOpenAI } from '@ai-sdk/openai';
export { createAnthropic } from '@ai-sdk/anthropic';
