import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APICallError } from 'ai';
import { readableError } from './errors.js';

const o = { provider: 'custom-lab', timeoutSecs: 30 };
const apiError = (statusCode: number | undefined, message: string) => new APICallError({
  message: 'call failed', url: 'http://127.0.0.1:9/v1/chat/completions', requestBodyValues: {}, statusCode,
  responseBody: JSON.stringify({ error: { message } }),
});

test('provider failures read as what happened (in the provider\'s words) and then the fix', () => {
  assert.equal(readableError(apiError(401, 'Incorrect API key provided'), o),
    'custom-lab refused the API key (401): Incorrect API key provided. Open Settings > Models, paste a valid key for custom-lab and press Test.');
  assert.equal(readableError(apiError(404, 'model "llama9" not found, try pulling it first'), o),
    'custom-lab does not know this model or address (404): model "llama9" not found, try pulling it first. Pick another model, or check the provider\'s base URL and models in Settings > Models.');
  assert.match(readableError(apiError(429, 'Rate limit reached.'), o), /^custom-lab is rate-limiting requests \(429\): Rate limit reached\. Wait a moment/);
  assert.match(readableError(apiError(503, 'overloaded'), o), /failed on its side \(503\): overloaded\. Try again/);
  const refused = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  assert.equal(readableError(refused, o), 'Cannot reach custom-lab (connection refused). Is the server running, and is its base URL in Settings > Models right?');
  assert.match(readableError(Object.assign(new Error('x'), { name: 'TimeoutError' }), o), /did not answer within 30s\. Try again/);
});
