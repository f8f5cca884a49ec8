import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DEFAULT_SAMPLER_SETTINGS, type SamplerSettings } from '../../../src/shared/api/generation.js';
import type { FormattedPrompt } from '../../../src/server/generation/prompt-format.js';
import { streamCompletion, type StreamOutcome } from '../../../src/server/generation/stream-completion.js';
import type { UpstreamTarget } from '../../../src/server/generation/upstream-endpoint.js';
import { UpstreamError } from '../../../src/server/generation/upstream-error.js';
import { FakeLlmServer, numberedTokens } from '../../support/fake-llm-server.js';

const settings: SamplerSettings = { ...DEFAULT_SAMPLER_SETTINGS, max_tokens: 64, temperature: 0.7, stop: ['\nUser:'] };
const chatPrompt: FormattedPrompt = { kind: 'chat', messages: [{ role: 'user', content: 'Hi there' }] };
const textPrompt: FormattedPrompt = { kind: 'text', prompt: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nSera:' };

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
  fake.clientAborts = 0;
});

const target = (over: Partial<UpstreamTarget> = {}): UpstreamTarget => ({ baseUrl: fake.url, model: 'fake-model', ...over });

async function run(prompt: FormattedPrompt = chatPrompt, options: { signal?: AbortSignal; idleTimeoutMs?: number; headersTimeoutMs?: number; target?: UpstreamTarget } = {}) {
  const pieces: string[] = [];
  const outcome = await streamCompletion(
    { target: options.target ?? target(), prompt, settings, stop: ['<|im_end|>'] },
    { onText: (t) => pieces.push(t), signal: options.signal, idleTimeoutMs: options.idleTimeoutMs, headersTimeoutMs: options.headersTimeoutMs },
  );
  return { outcome, pieces };
}

/** Runs a stream that must fail, and returns the error and the pieces that arrived before it. */
async function runFailing(prompt: FormattedPrompt = chatPrompt, options: Parameters<typeof run>[1] = {}) {
  const pieces: string[] = [];
  try {
    await streamCompletion(
      { target: options.target ?? target(), prompt, settings, stop: [] },
      { onText: (t) => pieces.push(t), idleTimeoutMs: options.idleTimeoutMs, headersTimeoutMs: options.headersTimeoutMs },
    );
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    return { error, pieces };
  }
  assert.fail('the stream should have failed');
}

describe('streamCompletion: a normal stream', () => {
  test('chat completion streams each piece and ends complete', async () => {
    const { outcome, pieces } = await run();
    assert.deepEqual(pieces, ['Hello', ',', ' world', '!']);
    assert.deepEqual(outcome, { text: 'Hello, world!', reasoning: '', finishReason: 'stop', stopped: false, usage: null } satisfies StreamOutcome);
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal(request.body?.stream, true);
    assert.equal(request.body?.model, 'fake-model');
    assert.deepEqual(request.body?.messages, [{ role: 'user', content: 'Hi there' }]);
    assert.equal(request.body?.max_tokens, 64);
    assert.equal(request.body?.temperature, 0.7);
    assert.deepEqual(request.body?.stop, ['<|im_end|>', '\nUser:']);
    assert.equal(request.body?.top_k, undefined, 'neutral samplers are not sent');
    assert.equal(request.headers.authorization, undefined, 'no key, no header');
  });

  test('text completion goes to /completions with the prompt, and sends the API key as a bearer token', async () => {
    const { outcome } = await run(textPrompt, { target: target({ apiKey: 'sk-test-key-123456' }) });
    assert.equal(outcome.text, 'Hello, world!');
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v1/completions');
    assert.equal(request.body?.prompt, textPrompt.prompt);
    assert.equal(request.headers.authorization, 'Bearer sk-test-key-123456');
  });

  test('a backend that ignores stream:true and answers one JSON completion still gives the reply', async () => {
    fake.script = { ignoreStream: true, tokens: ['Whole ', 'reply'] };
    const { outcome, pieces } = await run(textPrompt);
    assert.deepEqual(pieces, ['Whole reply']);
    assert.equal(outcome.text, 'Whole reply');
    assert.equal(outcome.finishReason, 'stop');
  });

  test('replies in a row go over one kept-alive connection; one stopped mid-stream closes its own', async () => {
    await run();
    // The end of the body is read after the reply returns; then the connection is free again.
    await sleep(200);
    await run();
    const [first, second] = fake.requests.slice(-2).map((r) => r.remotePort);
    assert.ok(first !== undefined && first === second, `the second reply reused the first's connection (${first}, ${second})`);
    fake.script = { tokens: numberedTokens(100), delayMs: 20 };
    const stop = new AbortController();
    const stopped = run(chatPrompt, { signal: stop.signal });
    await sleep(100);
    stop.abort();
    assert.equal((await stopped).outcome.stopped, true);
    fake.script = {};
    await run();
    assert.notEqual(fake.requests.at(-1)!.remotePort, fake.requests.at(-2)!.remotePort, 'a stopped stream\'s connection is not reused');
  });

  test('a long fast stream arrives whole and in order', async () => {
    const tokens = numberedTokens(3000);
    fake.script = { tokens, tokensPerSecond: 20_000 };
    const { outcome, pieces } = await run();
    assert.equal(pieces.length, 3000);
    assert.equal(outcome.text, tokens.join(''));
  });

  test('finish_reason "length" is reported', async () => {
    fake.script = { finishReason: 'length' };
    const { outcome } = await run();
    assert.equal(outcome.finishReason, 'length');
  });
});

describe('streamCompletion: stop', () => {
  test('aborting the signal keeps the text so far and closes the upstream request', async () => {
    fake.script = { tokens: numberedTokens(50), delayMs: 20 };
    const controller = new AbortController();
    const pieces: string[] = [];
    const outcome = await streamCompletion(
      { target: target(), prompt: chatPrompt, settings, stop: [] },
      {
        signal: controller.signal,
        onText: (t) => {
          pieces.push(t);
          if (pieces.length === 3) controller.abort();
        },
      },
    );
    assert.equal(outcome.stopped, true);
    assert.equal(outcome.text, ' t0 t1 t2');
    assert.equal(outcome.finishReason, null);
    await waitFor(() => fake.clientAborts === 1, 'the fake backend saw its client go away');
  });

  test('a stop before the backend answers returns empty and stopped', async () => {
    fake.script = { headersDelayMs: 300 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const { outcome } = await run(chatPrompt, { signal: controller.signal });
    assert.deepEqual(outcome, { text: '', reasoning: '', finishReason: null, stopped: true, usage: null });
  });
});

describe('streamCompletion: failures are typed and keep the partial text', () => {
  test('a stream cut mid-way (socket closed before [DONE]) is stream_cut, after the text produced', async () => {
    fake.script = { dropAfter: 2 };
    const { error, pieces } = await runFailing();
    assert.equal(error.failure, 'stream_cut');
    assert.deepEqual(pieces, ['Hello', ',']);
    assert.equal(error.partialText, 'Hello,');
    assert.match(error.message, /closed before the reply was finished/);
  });

  test('a stream that ends without [DONE] or finish_reason is stream_cut', async () => {
    fake.script = { omitDone: true };
    const { error } = await runFailing();
    assert.equal(error.failure, 'stream_cut');
    assert.equal(error.partialText, 'Hello, world!');
  });

  test('invalid JSON in a data line is invalid_json, naming the line', async () => {
    fake.script = { invalidJsonAfter: 3 };
    const { error, pieces } = await runFailing();
    assert.equal(error.failure, 'invalid_json');
    assert.deepEqual(pieces, ['Hello', ',', ' world']);
    assert.equal(error.partialText, 'Hello, world');
    assert.match(error.message, /not valid JSON: "\{"choices"/);
  });

  test('an error chunk mid-stream is server_error with the backend\'s words', async () => {
    fake.script = { errorAfter: 1, errorMessage: 'context shift failed' };
    const { error } = await runFailing();
    assert.equal(error.failure, 'server_error');
    assert.equal(error.partialText, 'Hello');
    assert.match(error.message, /context shift failed/);
  });

  for (const [status, failure, pattern] of [
    [401, 'unauthorized', /API key is missing or wrong/],
    [403, 'unauthorized', /HTTP 403/],
    [400, 'bad_request', /rejected the request \(HTTP 400\)/],
    [429, 'rate_limited', /rate-limiting requests \(HTTP 429\)\. Try again in 7 s/],
    [500, 'server_error', /failed \(HTTP 500\)/],
    [503, 'server_error', /failed \(HTTP 503\)/],
    [418, 'http_error', /answered HTTP 418/],
  ] as const) {
    test(`HTTP ${status} is ${failure}, with the backend's message`, async () => {
      fake.script = { status, retryAfter: 7, errorMessage: `upstream says ${status}` };
      const { error, pieces } = await runFailing();
      assert.equal(error.failure, failure);
      assert.equal(error.status, status);
      assert.match(error.message, pattern);
      assert.match(error.message, new RegExp(`upstream says ${status}`));
      assert.deepEqual(pieces, []);
    });
  }

  test('a key echoed by the backend is redacted from the message', async () => {
    fake.script = { status: 401, errorMessage: 'Incorrect API key provided: sk-secret-value-9999' };
    const { error } = await runFailing(chatPrompt, { target: target({ apiKey: 'sk-secret-value-9999' }) });
    assert.doesNotMatch(error.message, /sk-secret-value-9999/);
    assert.match(error.message, /\[API key\]/);
  });

  test('a wrong path (no /v1) is not_found with a hint to add /v1', async () => {
    const { error } = await runFailing(chatPrompt, { target: target({ baseUrl: fake.origin }) });
    assert.equal(error.failure, 'not_found');
    assert.match(error.message, new RegExp(`needs to end in /v1 \\(e\\.g\\. ${fake.origin.replace(/\./g, '\\.')}/v1\\)`));
  });

  test('a redirect is not followed: http_error naming where it points', async () => {
    fake.script = { redirectTo: 'http://10.0.0.9/v1/chat/completions' };
    const { error } = await runFailing();
    assert.equal(error.failure, 'http_error');
    assert.match(error.message, /redirects to http:\/\/10\.0\.0\.9\/v1\/chat\/completions \(HTTP 307\)/);
    assert.equal(fake.requests.length, 1);
  });

  test('a web page instead of an API is invalid_response', async () => {
    fake.script = { raw: { contentType: 'text/html', body: '<!doctype html><html><body>Open WebUI</body></html>' } };
    const { error } = await runFailing();
    assert.equal(error.failure, 'invalid_response');
    assert.match(error.message, /not an OpenAI-compatible response \(got text\/html: "<!doctype html>/);
  });

  test('JSON without choices is invalid_response', async () => {
    fake.script = { raw: { contentType: 'application/json', body: '{"hello":"world"}' } };
    const { error } = await runFailing();
    assert.equal(error.failure, 'invalid_response');
  });

  test('a base URL with credentials in it is refused before any request is sent', async () => {
    const withCredentials = new URL(fake.url);
    withCredentials.username = 'user';
    withCredentials.password = 'secret';
    const { error } = await runFailing(chatPrompt, { target: target({ baseUrl: withCredentials.href.replace(/\/$/, '') }) });
    assert.equal(error.failure, 'network');
    assert.equal(fake.requests.length, 0);
  });

  test('connection refused names the port', async () => {
    const closed = await FakeLlmServer.start();
    const url = closed.url;
    await closed.close();
    const { error } = await runFailing(chatPrompt, { target: target({ baseUrl: url }) });
    assert.equal(error.failure, 'connection_refused');
    assert.match(error.message, new RegExp(`listening on port ${new URL(url).port}`));
  });

  test('no headers within the headers timeout is timeout', async () => {
    fake.script = { headersDelayMs: 500 };
    const { error } = await runFailing(chatPrompt, { headersTimeoutMs: 80 });
    assert.equal(error.failure, 'timeout');
    assert.match(error.message, /did not answer within 0\.1 s/);
  });

  test('silence mid-stream longer than the idle timeout is timeout, keeping the text', async () => {
    fake.script = { tokens: ['a', 'b', 'c'], delayMs: 400 };
    const started = performance.now();
    const { error } = await runFailing(chatPrompt, { idleTimeoutMs: 100 });
    assert.equal(error.failure, 'timeout');
    assert.match(error.message, /sent nothing for 0\.1 s/);
    assert.equal(error.partialText, '');
    assert.ok(performance.now() - started < 350, 'gave up at the idle timeout, not at the next token');
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('streamCompletion: answers with no body or an odd status', () => {
  // Statuses a web Response cannot carry with a body (304), or a redirect, which is an answer like any other: each
  // is a clear http_error naming the status, never a crash of the reader.
  for (const status of [304, 302]) {
    test(`HTTP ${status} is an http_error naming it`, async () => {
      fake.script = { raw: { status, contentType: 'text/plain', body: status === 302 ? 'moved' : '' } };
      const { error, pieces } = await runFailing();
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.status, status);
      assert.match(error.message, new RegExp(`HTTP ${status}`));
      assert.deepEqual(pieces, []);
    });
  }
});
