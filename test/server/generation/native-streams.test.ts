import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DEFAULT_SAMPLER_SETTINGS, type ReplyUsage, type SamplerSettings } from '../../../src/shared/api/generation.js';
import { testConnection } from '../../../src/server/generation/connection-test.js';
import { listModels } from '../../../src/server/generation/list-models.js';
import type { FormattedPrompt } from '../../../src/server/generation/prompt-format.js';
import { streamCompletion } from '../../../src/server/generation/stream-completion.js';
import type { UpstreamTarget } from '../../../src/server/generation/upstream-endpoint.js';
import { UpstreamError } from '../../../src/server/generation/upstream-error.js';
import { FakeAnthropicServer } from '../../support/fake-anthropic-server.js';
import { FakeGeminiServer } from '../../support/fake-gemini-server.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';

const KEY = 'sk-ant-test-key-0123456789';
const settings: SamplerSettings = { ...DEFAULT_SAMPLER_SETTINGS, max_tokens: 200, temperature: 0.5 };
const neutral: FormattedPrompt = {
  kind: 'neutral',
  prompt: { system: ['You are Sera.'], messages: [{ role: 'user', content: 'Hi' }], prefill: '' },
};

let anthropic: FakeAnthropicServer;
let gemini: FakeGeminiServer;
let openai: FakeLlmServer;
before(async () => {
  [anthropic, gemini, openai] = await Promise.all([FakeAnthropicServer.start(), FakeGeminiServer.start(), FakeLlmServer.start()]);
});
after(() => Promise.all([anthropic.close(), gemini.close(), openai.close()]));
beforeEach(() => {
  anthropic.script = {};
  anthropic.requests.length = 0;
  gemini.script = {};
  gemini.requests.length = 0;
  openai.script = {};
});

const claude = (): UpstreamTarget => ({ api: 'anthropic', baseUrl: anthropic.url, apiKey: KEY, model: 'claude-sonnet-4-5' });
const gem = (): UpstreamTarget => ({ api: 'google', baseUrl: gemini.url, apiKey: KEY, model: 'gemini-2.5-flash' });

async function run(target: UpstreamTarget, over: Partial<SamplerSettings> = {}, prompt: FormattedPrompt = neutral) {
  const text: string[] = [];
  const reasoning: string[] = [];
  const usages: ReplyUsage[] = [];
  try {
    const outcome = await streamCompletion(
      { target, prompt, settings: { ...settings, ...over }, stop: [] },
      { onText: (t) => text.push(t), onReasoning: (r) => reasoning.push(r), onUsage: (u) => usages.push(u) },
    );
    return { outcome, text, reasoning, usages, error: null };
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    return { outcome: null, text, reasoning, usages, error };
  }
}

describe('Anthropic Messages API', () => {
  test('POST {baseUrl}/messages with x-api-key and anthropic-version; text streams, thinking is reasoning, usage counted', async () => {
    anthropic.script = {
      thinking: ['Let me ', 'think.'],
      text: ['Hello', ' there'],
      usage: { input_tokens: 10, output_tokens: 42, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 },
    };
    const { outcome, text, reasoning, usages } = await run(claude(), { reasoning_effort: 'low' });
    assert.deepEqual(text, ['Hello', ' there']);
    assert.deepEqual(reasoning, ['Let me ', 'think.']);
    assert.deepEqual(outcome, {
      text: 'Hello there',
      reasoning: 'Let me think.',
      finishReason: 'end_turn',
      stopped: false,
      usage: { prompt_tokens: 115, completion_tokens: 42, cache_read_tokens: 100, cache_write_tokens: 5 },
    });
    assert.equal(usages.length, 2, 'message_start gives a first count, message_delta the final one');
    const request = anthropic.requests.at(-1)!;
    assert.equal(request.path, '/v1/messages');
    assert.equal(request.headers['x-api-key'], KEY);
    assert.equal(request.headers['anthropic-version'], '2023-06-01');
    assert.equal(request.headers.authorization, undefined, 'the key goes only where Anthropic reads it');
    const body = anthropic.lastBody();
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.system, 'You are Sera.');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Hi' }]);
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 1024 });
    assert.equal(body.max_tokens, 1224);
  });

  test('a connection cut mid-stream is stream_cut, keeping the text and reasoning so far', async () => {
    anthropic.script = { thinking: ['hmm'], text: ['a', 'b', 'c'], dropAfter: 2 };
    const { error, text, reasoning } = await run(claude());
    assert.equal(error?.failure, 'stream_cut');
    assert.equal(error?.partialText, 'ab');
    assert.deepEqual(text, ['a', 'b']);
    assert.deepEqual(reasoning, ['hmm']);
  });

  test('an overloaded_error event mid-stream (the 529 of a stream) is overloaded, in words, text kept', async () => {
    anthropic.script = { text: ['a', 'b', 'c'], errorAfter: { pieces: 1, type: 'overloaded_error', message: 'Overloaded' } };
    const { error } = await run(claude());
    assert.equal(error?.failure, 'overloaded');
    assert.equal(error?.partialText, 'a');
    assert.match(error!.message, /is overloaded and stopped the reply; the text so far is kept\. Try again in a moment\./);
  });

  const httpCases: Array<[status: number, type: string, message: string, failure: string, words: RegExp]> = [
    [401, 'authentication_error', 'invalid x-api-key', 'unauthorized', /API key is missing or wrong; check it under Connections/],
    [404, 'not_found_error', 'model: claude-nope', 'not_found', /check the model name \(Test connection lists the models\)/],
    [429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', 'rate_limited', /rate-limiting requests \(HTTP 429\)\. Try again in 13 s\./],
    [529, 'overloaded_error', 'Overloaded', 'overloaded', /is overloaded \(HTTP 529\): try again in 13 s\./],
    [403, 'permission_error', 'Your country, region, or territory is not supported', 'region_blocked', /does not serve the region this server is in/],
  ];
  for (const [status, type, message, failure, words] of httpCases) {
    test(`HTTP ${status} ${type} is ${failure}, said in one sentence`, async () => {
      anthropic.script = { status, errorType: type, errorMessage: message, retryAfter: 13 };
      const { error } = await run(claude());
      assert.equal(error?.failure, failure);
      assert.equal(error?.status, status);
      assert.match(error!.message, words);
      assert.ok(!error!.message.includes(KEY), 'the key is never echoed');
    });
  }

  test('a refusal stop reason is content_blocked, with the text kept', async () => {
    anthropic.script = { text: ['I will not'], stopReason: 'refusal' };
    const { error } = await run(claude());
    assert.equal(error?.failure, 'content_blocked');
    assert.equal(error?.partialText, 'I will not');
  });

  test('the model list comes from /v1/models with the same headers', async () => {
    anthropic.script = { models: ['claude-a', 'claude-b'] };
    assert.deepEqual(await listModels(claude()), ['claude-a', 'claude-b']);
    const request = anthropic.requests.at(-1)!;
    assert.equal(request.path, '/v1/models');
    assert.equal(request.headers['x-api-key'], KEY);
    assert.equal(request.headers['anthropic-version'], '2023-06-01');
    const result = await testConnection({ ...claude(), model: 'claude-zzz' });
    assert.equal(result.ok, true);
    assert.match(result.warning ?? '', /does not list the model "claude-zzz"/);
  });
});

describe('Gemini API', () => {
  test('POST models/{model}:streamGenerateContent?alt=sse with x-goog-api-key; thought parts are reasoning; usage', async () => {
    gemini.script = {
      thoughts: ['Planning…'],
      text: ['Hi', ' back'],
      usage: { promptTokenCount: 30, candidatesTokenCount: 5, thoughtsTokenCount: 12, cachedContentTokenCount: 8 },
    };
    const { outcome, reasoning } = await run(gem(), { reasoning_effort: 'medium' });
    assert.deepEqual(reasoning, ['Planning…']);
    assert.deepEqual(outcome, {
      text: 'Hi back',
      reasoning: 'Planning…',
      finishReason: 'STOP',
      stopped: false,
      usage: { prompt_tokens: 30, completion_tokens: 17, cache_read_tokens: 8, reasoning_tokens: 12 },
    });
    const request = gemini.requests.at(-1)!;
    assert.equal(request.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(request.query.get('alt'), 'sse');
    assert.equal(request.query.get('key'), null, 'the key is never put in the URL');
    assert.equal(request.headers['x-goog-api-key'], KEY);
    const body = gemini.lastBody();
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You are Sera.' }] });
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Hi' }] }]);
    assert.deepEqual((body.generationConfig as Record<string, unknown>).thinkingConfig, { thinkingBudget: 1024, includeThoughts: true });
  });

  test('a blocked prompt is content_blocked in words', async () => {
    gemini.script = { blockReason: 'SAFETY' };
    const { error } = await run(gem());
    assert.equal(error?.failure, 'content_blocked');
    assert.match(error!.message, /Gemini refused the prompt \(SAFETY: its safety filter\)\. Lower the safety settings/);
  });

  for (const reason of ['SAFETY', 'RECITATION']) {
    test(`finish reason ${reason} keeps the partial text and says why`, async () => {
      gemini.script = { text: ['Once upon', ' a time'], finishReason: reason };
      const { error, text } = await run(gem());
      assert.equal(error?.failure, 'content_blocked');
      assert.equal(error?.partialText, 'Once upon a time');
      assert.deepEqual(text, ['Once upon', ' a time']);
      assert.match(error!.message, new RegExp(`\\(${reason}\\); the text so far is kept`));
    });
  }

  test('MAX_TOKENS is a normal end of a reply ("length"), but one with no reply at all is said in words', async () => {
    gemini.script = { text: ['cut short'], finishReason: 'MAX_TOKENS' };
    const { outcome } = await run(gem());
    assert.equal(outcome?.finishReason, 'MAX_TOKENS');
    assert.equal(outcome?.text, 'cut short');
    gemini.script = { thoughts: ['all thinking'], text: [], finishReason: 'MAX_TOKENS' };
    const { error } = await run(gem());
    assert.match(error!.message, /spent the whole response length before writing a reply \(MAX_TOKENS\)/);
  });

  test('a connection closed before the finishReason is stream_cut', async () => {
    gemini.script = { text: ['a', 'b', 'c'], dropAfter: 2 };
    const { error } = await run(gem());
    assert.equal(error?.failure, 'stream_cut');
    assert.equal(error?.partialText, 'ab');
  });

  const httpCases: Array<[what: string, script: FakeGeminiServer['script'], failure: string, words: RegExp]> = [
    ['a wrong key (400 API_KEY_INVALID)', { status: 400, errorStatus: 'INVALID_ARGUMENT', errorMessage: 'API key not valid. Please pass a valid API key.', reason: 'API_KEY_INVALID' }, 'unauthorized', /API key is missing or wrong/],
    ['a wrong model (404)', { status: 404, errorStatus: 'NOT_FOUND', errorMessage: 'models/gemini-nope is not found for API version v1beta' }, 'not_found', /check the model name .*\/v1beta/],
    ['a region block (400 FAILED_PRECONDITION)', { status: 400, errorStatus: 'FAILED_PRECONDITION', errorMessage: 'User location is not supported for the API use.' }, 'region_blocked', /does not serve the region/],
    ['a quota (429 with RetryInfo)', { status: 429, errorStatus: 'RESOURCE_EXHAUSTED', errorMessage: 'Quota exceeded', retryDelay: '17s' }, 'rate_limited', /Try again in 17 s\./],
    ['an overload (503 UNAVAILABLE)', { status: 503, errorStatus: 'UNAVAILABLE', errorMessage: 'The model is overloaded. Please try again later.' }, 'overloaded', /is overloaded \(HTTP 503\): try again in a moment/],
  ];
  for (const [what, script, failure, words] of httpCases) {
    test(`${what} is ${failure}`, async () => {
      gemini.script = script;
      const { error } = await run(gem());
      assert.equal(error?.failure, failure);
      assert.match(error!.message, words);
    });
  }

  test('the model list keeps only models that generate content, without "models/"', async () => {
    gemini.script = { models: ['gemini-x'] };
    assert.deepEqual(await listModels(gem()), ['gemini-x']);
    assert.equal(gemini.requests.at(-1)?.query.get('pageSize'), '1000');
  });
});

describe('OpenAI-compatible reasoning and usage', () => {
  test('reasoning_content deltas (DeepSeek, llama.cpp) and reasoning (OpenRouter) are reasoning; usage from the last chunk', async () => {
    openai.script = { reasoning: ['Think', 'ing'], reasoningField: 'reasoning_content', usage: { prompt_tokens: 50, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 32 } } };
    const target: UpstreamTarget = { baseUrl: openai.url, model: 'm' };
    const chat: FormattedPrompt = { kind: 'chat', messages: [{ role: 'user', content: 'x' }] };
    const first = await run(target, {}, chat);
    assert.deepEqual(first.reasoning, ['Think', 'ing']);
    assert.equal(first.outcome?.text, 'Hello, world!');
    assert.deepEqual(first.outcome?.usage, { prompt_tokens: 50, completion_tokens: 9, cache_read_tokens: 32 });
    assert.deepEqual((openai.lastCompletion().stream_options as Record<string, unknown>), { include_usage: true });
    openai.script = { reasoning: ['Other'], reasoningField: 'reasoning' };
    const second = await run(target, {}, chat);
    assert.deepEqual(second.reasoning, ['Other']);
    assert.equal(second.outcome?.usage, null);
  });

  test('an Azure deployment gets api-key and api-version; a provider without a model list is tested with one token', async () => {
    // The fake answers any host; the Azure treatment is keyed to the address, so it is checked on the headers sent.
    const { upstreamHeaders, endpoint } = await import('../../../src/server/generation/upstream-endpoint.js');
    const azure: UpstreamTarget = { baseUrl: 'https://res.openai.azure.com/openai/deployments/gpt4o', apiKey: 'azure-key-123456', model: '', apiVersion: '2024-10-21' };
    assert.deepEqual(upstreamHeaders(azure, 'a'), { accept: 'a', 'content-type': 'application/json', 'api-key': 'azure-key-123456' });
    assert.equal(endpoint(azure, '/chat/completions').url.href, 'https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21');
  });
});
