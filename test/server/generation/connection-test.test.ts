import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { testConnection } from '../../../src/server/generation/connection-test.js';
import { listModels } from '../../../src/server/generation/list-models.js';
import { networkError, UpstreamError } from '../../../src/server/generation/upstream-error.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});

describe('listModels', () => {
  test('returns the ids the backend lists, sending the key', async () => {
    fake.script = { models: ['llama-3-8b', 'qwen2.5-7b'] };
    assert.deepEqual(await listModels({ baseUrl: fake.url, model: '', apiKey: 'key-1234567890' }), ['llama-3-8b', 'qwen2.5-7b']);
    assert.equal(fake.requests.at(-1)?.path, '/v1/models');
    assert.equal(fake.requests.at(-1)?.headers.authorization, 'Bearer key-1234567890');
  });

  test('a JSON answer without a model list is invalid_response', async () => {
    fake.script = { raw: { contentType: 'application/json', body: '{"status":"ok"}' } };
    await assert.rejects(listModels({ baseUrl: fake.url, model: '' }), (e: unknown) => e instanceof UpstreamError && e.failure === 'invalid_response');
  });
});

describe('testConnection diagnoses', () => {
  test('a working backend: ok, the models, and the latency', async () => {
    fake.script = { models: ['fake-model'] };
    const result = await testConnection({ baseUrl: fake.url, model: 'fake-model' });
    assert.equal(result.ok, true);
    assert.deepEqual(result.models, ['fake-model']);
    assert.equal(result.warning, undefined);
    assert.match(result.message, /^Connected to 127\.0\.0\.1:\d+: 1 model listed\.$/);
    assert.ok(result.latencyMs >= 0 && result.latencyMs < 5000);
  });

  test('a model the backend does not list: ok with a warning naming what it lists', async () => {
    fake.script = { models: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] };
    const result = await testConnection({ baseUrl: fake.url, model: 'gpt-9' });
    assert.equal(result.ok, true);
    assert.equal(result.warning, 'The backend does not list the model "gpt-9"; it lists a, b, c, d, e and 2 more.');
  });

  test('connection refused', async () => {
    const closed = await FakeLlmServer.start();
    const url = closed.url;
    await closed.close();
    const result = await testConnection({ baseUrl: url, model: '' });
    assert.deepEqual([result.ok, result.failure], [false, 'connection_refused']);
    assert.match(result.message, /connection refused\. Is the backend running and listening on port \d+\?/);
    assert.deepEqual(result.models, []);
  });

  test('timeout', async () => {
    fake.script = { headersDelayMs: 400 };
    const result = await testConnection({ baseUrl: fake.url, model: '' }, { timeoutMs: 60 });
    assert.deepEqual([result.ok, result.failure], [false, 'timeout']);
    assert.match(result.message, /did not answer within 0\.1 s/);
  });

  test('401: a bad key', async () => {
    fake.script = { status: 401, errorMessage: 'Invalid API key' };
    const result = await testConnection({ baseUrl: fake.url, model: '', apiKey: 'wrong-key-000000' });
    assert.deepEqual([result.ok, result.failure], [false, 'unauthorized']);
    assert.match(result.message, /the API key is missing or wrong; check it under Connections\. The backend said: "Invalid API key"/);
  });

  test('404 without /v1: the hint says to add it', async () => {
    const result = await testConnection({ baseUrl: fake.origin, model: '' });
    assert.deepEqual([result.ok, result.failure], [false, 'not_found']);
    assert.match(result.message, /\/models was not found \(HTTP 404\): the base URL probably needs to end in \/v1/);
  });

  test('404 with /v1 already: the hint is about the path or model', async () => {
    const result = await testConnection({ baseUrl: `${fake.origin}/api/v1`, model: '' });
    assert.equal(result.failure, 'not_found');
    assert.match(result.message, /check the base URL, and that the model exists/);
  });

  test('429 and 500', async () => {
    fake.script = { status: 429 };
    assert.equal((await testConnection({ baseUrl: fake.url, model: '' })).failure, 'rate_limited');
    fake.script = { status: 500 };
    assert.equal((await testConnection({ baseUrl: fake.url, model: '' })).failure, 'server_error');
  });

  test('a redirect is reported, not followed: the allow-list vets the address the profile names', async () => {
    fake.script = { redirectTo: 'http://169.254.169.254/latest/meta-data/' };
    const result = await testConnection({ baseUrl: fake.url, model: '' });
    assert.deepEqual([result.ok, result.failure], [false, 'http_error']);
    assert.match(result.message, /redirects to http:\/\/169\.254\.169\.254\/latest\/meta-data\/ \(HTTP 307\): use that address as the base URL/);
    assert.equal(fake.requests.length, 1);
  });

  test('a web UI instead of the API: invalid_response', async () => {
    fake.script = { raw: { contentType: 'text/html; charset=utf-8', body: '<html><body>LM Studio</body></html>' } };
    const result = await testConnection({ baseUrl: fake.url, model: '' });
    assert.equal(result.failure, 'invalid_response');
    assert.match(result.message, /not an OpenAI-compatible response \(an HTML page/);
  });
});

describe('network errors are named by their cause', () => {
  // A real unknown host would need a DNS server beyond loopback; this is the error fetch (undici) raises for one.
  const place = { url: new URL('http://no-such-host.invalid:8080/v1/models'), baseUrl: 'http://no-such-host.invalid:8080/v1' };
  const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

  test('ENOTFOUND and EAI_AGAIN are host_not_found', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
      const error = networkError(fetchFailed(Object.assign(new Error(`getaddrinfo ${code}`), { code })), place, 1000);
      assert.equal(error.failure, 'host_not_found');
      assert.equal(error.message, 'The host "no-such-host.invalid" was not found (DNS). Check the address.');
    }
  });

  test('an AggregateError of refused addresses is connection_refused', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = networkError(fetchFailed(new AggregateError([refused, refused])), place, 1000);
    assert.equal(error.failure, 'connection_refused');
  });

  test('a reset or TLS failure is network, with its code', () => {
    const error = networkError(fetchFailed(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), place, 1000);
    assert.equal(error.failure, 'network');
    assert.match(error.message, /ECONNRESET/);
  });
});
