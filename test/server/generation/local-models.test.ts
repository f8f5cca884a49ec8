import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SAMPLER_SETTINGS } from '../../../src/shared/api/generation.js';
import { LOCAL_RUNTIME_ENTRY, LocalModels } from '../../../src/server/generation/local-models.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, tokensOf, untilEnd } from '../../support/sse-reader.js';
import { startTestServer, tempDir, type TestServer } from '../../support/test-server.js';
import { writeTinyGguf } from '../../support/tiny-gguf.js';

const skip = existsSync(LOCAL_RUNTIME_ENTRY) ? false : 'node-llama-cpp is not installed here (npm run local-models installs it)';

describe('model files run inside Parley (node-llama-cpp)', { skip }, () => {
  let server: TestServer;
  let client: TestClient;
  let modelsDir: string;
  const readers: SseReader[] = [];

  before(async () => {
    modelsDir = tempDir('parley-models-');
    // A random-weight model of half a megabyte: its text is noise, but it is real inference, fast on any CPU.
    writeTinyGguf(join(modelsDir, 'tiny.gguf'), { contextLength: 4096 });
    writeTinyGguf(join(modelsDir, 'short.gguf'), { contextLength: 256 });
    writeFileSync(join(modelsDir, 'notes.txt'), 'not a model');
    writeFileSync(join(modelsDir, 'broken.gguf'), 'not a model either');
    server = await startTestServer({ config: { logLevel: 'warn', localModels: { dir: modelsDir, threads: 1 } } });
    client = new TestClient(server.url);
    await client.session();
  });
  after(async () => {
    for (const reader of readers) reader.close();
    await server?.close();
  });

  async function localConnection(model = 'tiny.gguf', settings: Record<string, unknown> = {}) {
    const id = newId();
    const created = await client.post('/api/connections', {
      id,
      name: 'Tiny',
      api: 'local',
      model,
      instructTemplate: 'chatml',
      settings: { context_size: 4096, max_tokens: 40, temperature: 0.8, ...settings },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.baseUrl, '');
    return id;
  }

  async function chat(connectionId: string) {
    const { chatId } = await createCharacterAndChat(client);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Tell me about the forest.')] });
    const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: { connectionId } });
    readers.push(reader);
    return { chatId, reader };
  }

  test('the test lists the .gguf files of the models folder and checks the chosen one', async () => {
    const id = await localConnection();
    const tested = await client.post(`/api/connections/${id}/test`);
    assert.equal(tested.status, 200);
    assert.equal(tested.body.ok, true, tested.body.message);
    assert.deepEqual(tested.body.models, ['broken.gguf', 'short.gguf', 'tiny.gguf']);
    assert.deepEqual((await client.get(`/api/connections/${id}/models`)).body, { models: ['broken.gguf', 'short.gguf', 'tiny.gguf'] });

    const broken = await client.post(`/api/connections/${await localConnection('broken.gguf')}/test`);
    assert.equal(broken.body.ok, false);
    assert.match(broken.body.message, /"broken.gguf" is not a GGUF model file/);

    const elsewhere = await client.post(`/api/connections/${await localConnection('../tiny.gguf')}/test`);
    assert.equal(elsewhere.body.ok, true);
    assert.match(elsewhere.body.warning, /"\.\.\/tiny\.gguf" is not in the models folder/);
  });

  test('an address is required for every API but local, on create and on patch', async () => {
    const missing = await client.post('/api/connections', { id: newId(), name: 'No address', api: 'chat-completions' });
    assert.equal(missing.status, 400);
    assert.match(JSON.stringify(missing.body), /baseUrl/);
    const id = await localConnection();
    const patched = await client.patch(`/api/connections/${id}`, { api: 'text-completions' });
    assert.equal(patched.status, 400);
    assert.match(patched.body.message, /baseUrl is required/);
    assert.equal((await client.get(`/api/connections/${id}`)).body.api, 'local', 'nothing changed');
  });

  test('a reply streams from the model file and is stored as it was streamed', async () => {
    const { chatId, reader } = await chat(await localConnection());
    const events = await untilEnd(reader, 60_000);
    const end = events.at(-1)!;
    assert.equal(end.event, 'done', JSON.stringify(end.data));
    const text = tokensOf(events);
    assert.ok(text.trim().length > 0, 'the model produced text');
    const stored = (await client.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
    assert.equal(stored.role, 'assistant');
    assert.equal(stored.status, 'complete');
    assert.equal(stored.content, text.trim());
    assert.equal(stored.extra.api, 'local');

    const prompt = (await client.get(`/api/chats/${chatId}/prompt`)).body;
    assert.match(JSON.stringify(prompt), /<\|im_start\|>/, 'the text prompt is in the profile\'s instruct template');
  });

  test('the prompt is built for the context the model file was trained for, not a larger one in the profile', async () => {
    const { chatId, reader } = await chat(await localConnection('short.gguf', { context_size: 8192, max_tokens: 40 }));
    assert.equal((await untilEnd(reader, 60_000)).at(-1)!.event, 'done');
    const prompt = (await client.get(`/api/chats/${chatId}/prompt`)).body;
    assert.equal(prompt.contextSize, 256);
    assert.ok(prompt.totalTokens + prompt.maxTokens <= 256, JSON.stringify(prompt));

    const { chatId: other } = await createCharacterAndChat(client);
    const refused = await client.post(`/api/chats/${other}/generate`, {
      connectionId: await localConnection('short.gguf', { context_size: 8192, max_tokens: 400 }),
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /short\.gguf was trained for a context of 256 tokens, too small for this connection's response length of 400/);
  });

  test('stop keeps what the model wrote so far', async () => {
    const { chatId, reader } = await chat(await localConnection('tiny.gguf', { max_tokens: 3000 }));
    const start = await reader.until((e) => e.event === 'start');
    await reader.until((e) => e.event === 'token');
    const stopped = await client.post(`/api/generations/${start.data.generationId}/stop`);
    assert.equal(stopped.body.state, 'stopped');
    const rest = await untilEnd(reader, 60_000);
    assert.equal(rest.at(-1)!.data.stopped, true);
    const stored = (await client.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
    assert.equal(stored.status, 'complete');
    assert.ok(stored.content.length > 0, 'the text so far was kept');
  });

  test('two chats generating on one model file at once both get their whole reply', async () => {
    const connectionId = await localConnection();
    const [first, second] = await Promise.all([chat(connectionId), chat(connectionId)]);
    const ends = await Promise.all([untilEnd(first.reader, 60_000), untilEnd(second.reader, 60_000)]);
    for (const [index, { chatId }] of [first, second].entries()) {
      const events = ends[index]!;
      assert.equal(events.at(-1)!.event, 'done', JSON.stringify(events.at(-1)));
      const stored = (await client.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
      assert.equal(stored.content, tokensOf(events).trim());
    }
  });

  test('one model writes one reply at a time: a second waits for the first to end', async () => {
    const local = new LocalModels({ dir: modelsDir, threads: 1 });
    try {
      const order: string[] = [];
      const request = (tag: string) =>
        local.stream(
          { target: { baseUrl: '', model: 'tiny.gguf' }, prompt: { kind: 'text', prompt: `Story ${tag}:` }, settings: { ...DEFAULT_SAMPLER_SETTINGS, max_tokens: 30, context_size: 4096 }, stop: [] },
          { onText: () => order.push(tag) },
        );
      const outcomes = await Promise.all([request('a'), request('b')]);
      assert.ok(outcomes.every((o) => o.text.length > 0 && !o.stopped));
      const joined = order.join('');
      assert.match(joined, /^a+b+$/, 'no piece of b came before a ended');
    } finally {
      await local.close();
    }
  });

  test('switching context size or model file between replies keeps working', async () => {
    const dir = tempDir('parley-models-');
    writeTinyGguf(join(dir, 'tiny.gguf'), { contextLength: 4096 });
    writeTinyGguf(join(dir, 'other.gguf'), { contextLength: 4096, seed: 7 });
    const local = new LocalModels({ dir, threads: 1 });
    try {
      const reply = (model: string, context_size: number) =>
        local.stream(
          { target: { baseUrl: '', model }, prompt: { kind: 'text', prompt: 'Once' }, settings: { ...DEFAULT_SAMPLER_SETTINGS, max_tokens: 10, context_size }, stop: [] },
          { onText: () => undefined },
        );
      for (const [model, size] of [['tiny.gguf', 1024], ['tiny.gguf', 2048], ['other.gguf', 2048], ['tiny.gguf', 2048]] as const) {
        const outcome = await reply(model, size);
        assert.ok(outcome.text.length > 0 && outcome.finishReason === 'length', `${model} at ${size}: ${JSON.stringify(outcome)}`);
      }
    } finally {
      await local.close();
    }
  });

  test('a profile without a model file, or naming one that is not there, ends with an error that says so', async () => {
    const none = await chat(await localConnection(''));
    const noneEnd = (await untilEnd(none.reader, 30_000)).at(-1)!;
    assert.equal(noneEnd.event, 'error');
    assert.match(noneEnd.data.message, /Pick a model file/);

    const gone = await chat(await localConnection('gone.gguf'));
    const goneEnd = (await untilEnd(gone.reader, 30_000)).at(-1)!;
    assert.equal(goneEnd.event, 'error');
    assert.match(goneEnd.data.message, /no model file "gone.gguf"/);
  });
});
