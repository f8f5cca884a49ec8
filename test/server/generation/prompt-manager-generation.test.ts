import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { chatWithFake, generateThroughFake } from '../../support/generation-harness.js';
import type { TestClient } from '../../support/http-client.js';
import { serversForThisFile } from '../../support/test-server.js';
import { stPreset } from '../../support/st-preset.js';
import { DIALECTS, freshDatabase, unavailable } from '../../support/test-databases.js';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = { tokens: [' I', ' will.'] };
});
const serve = serversForThisFile({ logLevel: 'warn' });

const CARD = {
  description: 'DESC',
  personality: 'kind',
  scenario: 'a forest',
  system_prompt: '',
  post_history_instructions: '',
  mes_example: '<START>\n{{user}}: Hi\n{{char}}: Hello there\n{{char}}: *waves*',
};

async function importPreset(client: TestClient, preset: unknown, id = 'imported') {
  return client.post('/api/prompt-presets/import', { id, name: 'My preset', preset });
}

type Sent = { role: string; content: string; name?: string };
const lines = (body: Record<string, unknown>) => (body.messages as Sent[]).map((m) => `${m.role}${m.name ? `(${m.name})` : ''}: ${m.content}`);

describe('the prompt manager, through the fake chat-completions backend', () => {
  test('an imported SillyTavern preset: its order, roles, examples as messages, the new-chat marker and in-chat depths', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: CARD });
    const imported = await importPreset(client, stPreset());
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Will you help?')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.deepEqual(lines(body), [
      'system: Main for Seraphina.',
      'system: DESC',
      "system: [Seraphina's personality: kind]",
      'system: [Scene: a forest]',
      'user: Custom rel',
      'system: NSFW on',
      'system: [Example]',
      'system(example_user): Hi',
      'system(example_assistant): Hello there\nSeraphina: *waves*',
      'system: [Start]',
      'assistant: Welcome, traveller.',
      'system: Depth one',
      'system: Depth one late',
      'user: Will you help?',
      'assistant: Depth zero A',
      'system: JB Ann',
    ]);
  });

  test('squash_system_messages joins neighbouring unnamed system messages, the markers stay apart', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: CARD });
    assert.equal((await importPreset(client, stPreset({ squash_system_messages: true }))).status, 200);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Will you help?')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.deepEqual(lines(body), [
      "system: Main for Seraphina.\nDESC\n[Seraphina's personality: kind]\n[Scene: a forest]",
      'user: Custom rel',
      'system: NSFW on',
      'system: [Example]',
      'system(example_user): Hi',
      'system(example_assistant): Hello there\nSeraphina: *waves*',
      'system: [Start]',
      'assistant: Welcome, traveller.',
      'system: Depth one\nDepth one late',
      'user: Will you help?',
      'assistant: Depth zero A',
      'system: JB Ann',
    ]);
  });

  test("without chatHistory and dialogueExamples in the order (as in SillyTavern) neither is sent, nor what goes in the chat; a card's system prompt replaces main unless it forbids overrides", async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { ...CARD, system_prompt: 'CARD MAIN ({{original}})' } });
    const preset = stPreset();
    const order = preset.prompt_order[1]!.order.filter((e) => e.identifier !== 'chatHistory' && e.identifier !== 'dialogueExamples');
    assert.equal((await importPreset(client, { ...preset, prompt_order: [{ character_id: 100001, order }] })).status, 200);
    let body = await generateThroughFake(client, fake, chatId);
    assert.equal(lines(body)[0], 'system: CARD MAIN (Main for Seraphina.)');
    assert.deepEqual(lines(body).slice(1), [
      'system: DESC',
      "system: [Seraphina's personality: kind]",
      'system: [Scene: a forest]',
      'user: Custom rel',
      'system: NSFW on',
      'system: JB Ann',
    ]);

    const forbidding = { ...preset, prompts: preset.prompts.map((p) => (p.identifier === 'main' ? { ...p, forbid_overrides: true } : p)) };
    assert.equal((await importPreset(client, { ...forbidding, prompt_order: [{ character_id: 100001, order }] })).status, 200);
    body = await generateThroughFake(client, fake, chatId);
    assert.equal(lines(body)[0], 'system: Main for Seraphina.');
  });

  test("no active preset: the prompt is Parley's default (one system block), as before the prompt manager", async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { ...CARD, mes_example: '' } });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Will you help?')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.deepEqual(lines(body), [
      "system: Write Seraphina's next reply in a fictional chat between Seraphina and Ann.\nDESC\nSeraphina's personality: kind\nScenario: a forest",
      'assistant: Welcome, traveller.',
      'user: Will you help?',
    ]);
  });
});

describe('prompt presets: import, export, refusals', () => {
  for (const dialect of DIALECTS) {
  test(`${dialect}: export gives back the imported file: every key, both prompt orders, main and jailbreak from where Parley keeps them`, async (t) => {
    const why = await unavailable(dialect);
    if (why) return t.skip(why);
    const db = await freshDatabase(dialect);
    t.after(() => db.dispose());
    const server = await serve(db.configKeys);
    const { client } = await chatWithFake(server, fake);
    const original = stPreset();
    assert.equal((await importPreset(client, original)).status, 200);
    const settings = (await client.get('/api/settings')).body.values;
    assert.equal(settings.promptManager.active, 'imported');
    assert.equal(settings.prompt.activeSystemPrompt, 'pm-imported');
    assert.deepEqual(
      settings.prompt.systemPrompts.find((p: { id: string }) => p.id === 'pm-imported'),
      { id: 'pm-imported', name: 'My preset', content: 'Main for {{char}}.' },
    );
    assert.equal(settings.prompt.postHistoryInstructions, 'JB {{user}}');
    // The preset keeps its file's texts; what is sent is the prompt settings' (edited there).
    const stored = settings.promptManager.presets.imported.prompts.find((p: { identifier: string }) => p.identifier === 'main');
    assert.equal(stored.content, 'Main for {{char}}.');

    const exported = await client.get('/api/prompt-presets/imported/export');
    assert.equal(exported.status, 200);
    assert.match(String(exported.headers.get('content-disposition')), /My preset\.json/);
    assert.deepEqual(exported.body, original);

    // An edit of the system prompt shows in the next export's main.
    await client.patch('/api/settings', {
      opId: newId(),
      patch: { prompt: { systemPrompts: [{ id: 'pm-imported', name: 'My preset', content: 'EDITED' }] } },
    });
    const again = (await client.get('/api/prompt-presets/imported/export')).body;
    assert.equal(again.prompts.find((p: { identifier: string }) => p.identifier === 'main').content, 'EDITED');
  });
  }

  const badFiles: Array<[string, unknown, RegExp]> = [
    ['not an object', 'hello', /JSON object/],
    ['an array', [1, 2], /JSON object/],
    ['a prompt without identifier', { prompts: [{ name: 'x' }] }, /prompts\.0\.identifier/],
    ['a prompt with a bad role', { prompts: [{ identifier: 'a', role: 'narrator' }] }, /prompts\.0\.role/],
    ['a depth that is not a number', { prompts: [{ identifier: 'a', injection_depth: 'deep' }] }, /injection_depth/],
    ['prompt_order not a list', { prompt_order: 'main' }, /prompt_order/],
    ['an order entry without enabled', { prompt_order: [{ character_id: 100001, order: [{ identifier: 'main' }] }] }, /prompt_order/],
  ];
  for (const [what, file, message] of badFiles) {
    test(`a file with ${what}: 400 naming it, nothing stored`, async () => {
      const server = await serve();
      const { client } = await chatWithFake(server, fake);
      const before = (await client.get('/api/settings')).body;
      const reply = await importPreset(client, file);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.equal(reply.body.error, 'invalid_request');
      assert.match(reply.body.message, message);
      assert.deepEqual((await client.get('/api/settings')).body, before);
    });
  }

  test('a bad id or a missing name is refused by the schema; an unknown preset exports as 404', async () => {
    const server = await serve();
    const { client } = await chatWithFake(server, fake);
    assert.equal((await client.post('/api/prompt-presets/import', { id: '../x', name: 'n', preset: {} })).status, 400);
    assert.equal((await client.post('/api/prompt-presets/import', { id: 'ok', name: '', preset: {} })).status, 400);
    assert.equal((await client.get('/api/prompt-presets/nothing/export')).status, 404);
  });

  test('a file without prompts gets SillyTavern\'s built-ins and the default order', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { ...CARD, mes_example: '' } });
    const reply = await importPreset(client, { temperature: 1 });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const body = await generateThroughFake(client, fake, chatId);
    // main is '' in the built-ins: the system prompt preset made from it is empty, so nothing is sent for it.
    assert.deepEqual(lines(body), [
      'system: DESC',
      "system: [Seraphina's personality: kind]",
      'system: [Circumstances and context of the dialogue: a forest]',
      'system: [Start a new Chat]',
      'assistant: Welcome, traveller.',
    ]);
  });
});

