import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { chatWithFake, generateThroughFake } from '../../support/generation-harness.js';
import type { TestClient } from '../../support/http-client.js';
import { serversForThisFile } from '../../support/test-server.js';
import { SseReader, untilEnd } from '../../support/sse-reader.js';
import { DIALECTS, freshDatabase, unavailable } from '../../support/test-databases.js';

let alpha: FakeLlmServer;
let beta: FakeLlmServer;
before(async () => {
  alpha = await FakeLlmServer.start();
  beta = await FakeLlmServer.start();
  alpha.script = { tokens: ['from alpha'] };
  beta.script = { tokens: ['from beta'] };
});
after(async () => {
  await alpha.close();
  await beta.close();
});
const serve = serversForThisFile({ logLevel: 'warn' });

const addConnection = async (client: TestClient, name: string, fake: FakeLlmServer, model: string) => {
  const reply = await client.post('/api/connections', { id: newId(), name, api: 'chat-completions', baseUrl: fake.url, model });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.id as string;
};
const setChatOverrides = (client: TestClient, chatId: string, overrides: Record<string, unknown> | null) =>
  client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { parley_overrides: overrides } }] });
const setCharacterOverrides = async (client: TestClient, characterId: string, overrides: Record<string, unknown>) => {
  const character = (await client.get(`/api/characters/${characterId}`)).body;
  const card = { ...character.card, data: { ...character.card.data, extensions: { ...character.card.data.extensions, parley: { overrides } } } };
  const reply = await client.put(`/api/characters/${characterId}`, { card });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
};
describe('a connection and a system prompt per character and per chat (chat > character > global)', () => {
  for (const dialect of DIALECTS) {
  test(`${dialect}: each level picks the backend the request reaches; a missing id falls to the next level; the view says where it comes from`, async (t) => {
    const why = await unavailable(dialect);
    if (why) return t.skip(why);
    const db = await freshDatabase(dialect);
    t.after(() => db.dispose());
    const server = await serve(db.configKeys);
    const { client, chatId, characterId, connectionId: alphaId } = await chatWithFake(server, alpha, {
      card: { description: 'DESC', system_prompt: '' },
      connection: { name: 'Alpha', model: 'alpha-model' },
    });
    const betaId = await addConnection(client, 'Beta', beta, 'beta-model');
    await client.patch('/api/settings', { opId: newId(), patch: { activeConnectionId: alphaId } });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello?')] });
    const view = async () => (await client.get(`/api/chats/${chatId}/overrides`)).body;

    // Global.
    assert.equal(await whichBackend(client, chatId), 'alpha-model');
    assert.deepEqual((await view()).connection, { id: alphaId, name: 'Alpha', model: 'alpha-model', from: 'global' });

    // The character's choice.
    await setCharacterOverrides(client, characterId, { connectionId: betaId });
    assert.equal(await whichBackend(client, chatId), 'beta-model');
    assert.deepEqual((await view()).connection, { id: betaId, name: 'Beta', model: 'beta-model', from: 'character' });

    // The chat's choice over the character's.
    await setChatOverrides(client, chatId, { connectionId: alphaId });
    assert.equal(await whichBackend(client, chatId), 'alpha-model');
    assert.equal((await view()).connection.from, 'chat');

    // A chat choice naming a deleted profile falls back to the character's.
    await setChatOverrides(client, chatId, { connectionId: 'gone-profile' });
    assert.equal(await whichBackend(client, chatId), 'beta-model');
    assert.equal((await view()).connection.from, 'character');

    // An explicit connection in the request still wins.
    alpha.requests.length = 0;
    await generateThroughFake(client, alpha, chatId, { mode: 'new', connectionId: alphaId });
    assert.equal((alpha.requests.at(-1)?.body as { model: string }).model, 'alpha-model');
  });
  }

  test('the system prompt preset: chat over character over the active one; an unknown id is ignored', async () => {
    const server = await serve();
    const { client, chatId, characterId } = await chatWithFake(server, alpha, { card: { description: 'DESC', system_prompt: '' } });
    await client.patch('/api/settings', {
      opId: newId(),
      patch: {
        prompt: {
          systemPrompts: [
            { id: 'global', name: 'Global', content: 'GLOBAL' },
            { id: 'char', name: 'For her', content: 'CHARACTER' },
            { id: 'chat', name: 'For this chat', content: 'CHAT' },
          ],
          activeSystemPrompt: 'global',
        },
      },
    });
    const first = async () => ((await generateThroughFake(client, alpha, chatId)).messages as { content: string }[])[0]!.content.split('\n')[0];
    const from = async () => (await client.get(`/api/chats/${chatId}/overrides`)).body.systemPrompt;
    assert.equal(await first(), 'GLOBAL');
    await setCharacterOverrides(client, characterId, { systemPromptId: 'char', instructTemplateId: 'alpaca-ish' });
    assert.equal(await first(), 'CHARACTER');
    assert.deepEqual(await from(), { id: 'char', name: 'For her', from: 'character' });
    await setChatOverrides(client, chatId, { systemPromptId: 'chat' });
    assert.equal(await first(), 'CHAT');
    await setChatOverrides(client, chatId, { systemPromptId: 'no-such-preset' });
    assert.equal(await first(), 'CHARACTER');
    // A template id that names nothing falls through to the connection's (none here): never an error.
    const view = (await client.get(`/api/chats/${chatId}/overrides`)).body;
    assert.deepEqual(view.instructTemplate, { id: null, from: 'global' });
    assert.deepEqual(view.samplerPreset, { id: null, from: 'global' });
    assert.deepEqual(view.chat, { systemPromptId: 'no-such-preset' });
  });

  test('instruct and context templates and a sampler preset per character and per chat, over the connection\'s', async () => {
    const server = await serve();
    const { client, chatId, characterId } = await chatWithFake(server, alpha, {
      api: 'text-completions',
      card: { description: 'DESC', system_prompt: '' },
      connection: { instructTemplate: 'chatml', settings: { temperature: 0.7, top_p: 1, top_k: 0, min_p: 0, repetition_penalty: 1, max_tokens: 200, context_size: 4096, stop: [] } },
    });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello?')] });
    await client.patch('/api/settings', {
      opId: newId(),
      patch: { formatting: { samplerPresets: { creative: { name: 'Creative', samplers: { temperature: 1.3, top_k: 77 } } } } },
    });
    const sent = async () => {
      const body = await generateThroughFake(client, alpha, chatId);
      return { prompt: body.prompt as string, temperature: body.temperature, topK: body.top_k };
    };
    const overrides = async () => (await client.get(`/api/chats/${chatId}/overrides`)).body;

    // The connection's template and samplers.
    let got = await sent();
    assert.match(got.prompt, /<\|im_start\|>user\n/);
    assert.deepEqual([got.temperature, got.topK], [0.7, undefined]);

    // The character's template and sampler preset.
    await setCharacterOverrides(client, characterId, { instructTemplateId: 'llama3', samplerPresetId: 'creative' });
    got = await sent();
    assert.match(got.prompt, /<\|start_header_id\|>user<\|end_header_id\|>/);
    assert.doesNotMatch(got.prompt, /<\|im_start\|>/);
    assert.deepEqual([got.temperature, got.topK], [1.3, 77]);
    const view = await overrides();
    assert.deepEqual([view.instructTemplate, view.samplerPreset], [{ id: 'llama3', from: 'character' }, { id: 'creative', from: 'character' }]);

    // The chat's over the character's; a preset deleted since falls through to the character's.
    await setChatOverrides(client, chatId, { instructTemplateId: 'alpaca', samplerPresetId: 'deleted-preset' });
    got = await sent();
    assert.match(got.prompt, /### Instruction:/);
    assert.deepEqual([got.temperature, got.topK], [1.3, 77]);
    assert.deepEqual((await overrides()).instructTemplate, { id: 'alpaca', from: 'chat' });
  });

  test("the character's choice travels with its exported card", async () => {
    const server = await serve();
    const { client, characterId, connectionId } = await chatWithFake(server, alpha);
    await setCharacterOverrides(client, characterId, { connectionId, systemPromptId: 'x' });
    const exported = await client.get(`/api/characters/${characterId}/export?format=json`);
    assert.equal(exported.status, 200, JSON.stringify(exported.body));
    assert.deepEqual(exported.body.data.extensions.parley, { overrides: { connectionId, systemPromptId: 'x' } });
  });
});

/** Generates and says which backend's model the request reached (each fake sees only its own requests). */
async function whichBackend(client: TestClient, chatId: string): Promise<string> {
  alpha.requests.length = 0;
  beta.requests.length = 0;
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode: 'new' } });
  try {
    assert.equal((await untilEnd(reader)).at(-1)?.event, 'done');
  } finally {
    reader.close();
  }
  const request = [...alpha.requests, ...beta.requests].find((r) => r.path.endsWith('/completions'));
  assert.ok(request, 'a backend received the request');
  assert.equal(alpha.requests.length === 0 || beta.requests.length === 0, true, 'only one backend was asked');
  return (request.body as { model: string }).model;
}
