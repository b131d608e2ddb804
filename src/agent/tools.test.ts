import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createToolRegistry, type ToolDefinition } from './tools.js';
import * as sdk from './sdk.js';

const base = { description: 'd', inputSchema: { type: 'object', properties: {} } } as const;
const ctx = (scopes: string[]) => ({ sessionKey: 's', runId: 'r', origin: 'api' as const, scopes: scopes as never, signal: new AbortController().signal, defaultTimeoutMs: 200 });
const exec = async (set: Record<string, unknown>, name: string) =>
  (set[name] as { execute: (i: unknown, o: unknown) => Promise<unknown> }).execute({}, { toolCallId: '1', messages: [] });

test('a tool is offered only to callers holding its scope', () => {
  const reg = createToolRegistry();
  reg.register({ ...base, name: 'peek', scope: 'operator.read', execute: () => 1 });
  reg.register({ ...base, name: 'wipe', scope: 'operator.admin', execute: () => 2 });
  assert.deepEqual(Object.keys(reg.forTurn(ctx(['operator.read', 'operator.write']), sdk)), ['peek']);
  assert.deepEqual(Object.keys(reg.forTurn(ctx(['operator.admin']), sdk)).sort(), ['peek', 'wipe']);
  assert.deepEqual(Object.keys(reg.forTurn(ctx(['operator.approvals']), sdk)), []);
});

test('a throwing tool and a slow tool become error results, not crashed turns', async () => {
  const reg = createToolRegistry();
  reg.register({ ...base, name: 'boom', scope: 'operator.read', execute: () => { throw new Error('disk on fire'); } });
  reg.register({ ...base, name: 'slow', scope: 'operator.read', timeoutMs: 50, execute: () => new Promise(() => {}) } as ToolDefinition);
  const set = reg.forTurn(ctx(['operator.read']), sdk);
  assert.deepEqual(await exec(set, 'boom'), { error: 'disk on fire' });
  assert.deepEqual(await exec(set, 'slow'), { error: 'tool slow timed out after 0s' });
});

test('names are validated and unique', () => {
  const reg = createToolRegistry();
  assert.throws(() => reg.register({ ...base, name: 'Bad Name', scope: 'operator.read', execute: () => 0 }));
  reg.register({ ...base, name: 'ok', scope: 'operator.read', execute: () => 0 });
  assert.throws(() => reg.register({ ...base, name: 'ok', scope: 'operator.read', execute: () => 0 }));
});
