import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { chatWithFake, generateThroughFake, sentMessages } from '../../support/generation-harness.js';
import type { TestClient } from '../../support/http-client.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../../support/test-databases.js';
import { stEntry, stWorld } from '../../support/world-books.js';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});

const st = (fields: Record<string, unknown>) => ({
  id: newId(),
  scriptName: String(fields.findRegex),
  replaceString: '',
  trimStrings: [],
  placement: [1, 2],
  disabled: false,
  markdownOnly: false,
  promptOnly: false,
  runOnEdit: false,
  substituteRegex: 0,
  minDepth: null,
  maxDepth: null,
  ...fields,
});

async function setScripts(client: TestClient, regex: Record<string, unknown>) {
  const reply = await client.patch('/api/settings', { opId: newId(), patch: { regex } });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}

async function messages(client: TestClient, chatId: string) {
  const reply = await client.get(`/api/chats/${chatId}/messages`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.messages as Array<{ role: string; content: string; displayText?: string; displayReasoning?: string; extra: Record<string, unknown> }>;
}

async function send(client: TestClient, chatId: string, content: string) {
  const reply = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp(content)] });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}

const skips = await dialectSkips();
for (const dialect of DIALECTS) describe(`regex scripts through the server (${dialect})`, { skip: skips[dialect] }, () => {
  const serve = serversForThisFileOn(dialect, { logLevel: 'error' });

  test('user input and AI output are stored changed, prompt-only scripts change only the prompt (by depth), display-only only the view', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { first_mes: '' } });
    await setScripts(client, {
      scripts: [
        st({ findRegex: '/teh/g', replaceString: 'the', placement: [1] }),
        st({ findRegex: '/world/g', replaceString: 'World [{{char}}]', placement: [2] }),
        st({ findRegex: '/secret/g', replaceString: '[redacted]', promptOnly: true }),
        st({ findRegex: '/NEWEST/g', replaceString: 'newest-only', promptOnly: true, placement: [1], maxDepth: 0 }),
        st({ findRegex: '/Hello/g', replaceString: '<b>Hi {{user}}</b>', markdownOnly: true, placement: [2] }),
        st({ findRegex: '/Hello/g', replaceString: 'IGNORED', disabled: true }),
      ],
    });
    await send(client, chatId, 'teh secret NEWEST');
    assert.deepEqual((await messages(client, chatId)).map((m) => m.content), ['the secret NEWEST']);

    const first = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.equal(first.at(-1), 'user: the [redacted] newest-only');

    const [user, reply] = await messages(client, chatId);
    assert.equal(user?.content, 'the secret NEWEST', 'prompt-only scripts leave the stored text');
    assert.equal(reply?.content, 'Hello, World [Seraphina]!', 'the AI-output script changed the stored reply');
    assert.equal(reply?.displayText, '<b>Hi Ann</b>, World [Seraphina]!', 'the display-only script changed the view');
    assert.equal(user?.displayText, undefined, 'no display script for user input: no displayText');

    await send(client, chatId, 'NEWEST secret');
    const second = sentMessages(await generateThroughFake(client, fake, chatId));
    // The first message is now at depth 2: the maxDepth-0 script leaves it; the prompt-only redaction does not.
    assert.ok(second.includes('user: the [redacted] NEWEST'), second.join('\n'));
    assert.equal(second.at(-1), 'user: newest-only [redacted]');
    assert.ok(second.includes('assistant: Hello, World [Seraphina]!'), 'the prompt reads the stored reply, not the display');
  });

  test('edits run only scripts that run on edit; reasoning placement changes the stored reasoning', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { first_mes: '' } });
    await setScripts(client, {
      scripts: [
        st({ findRegex: '/foo/g', replaceString: 'bar', placement: [1] }),
        st({ findRegex: '/baz/g', replaceString: 'qux', placement: [1], runOnEdit: true }),
        st({ findRegex: '/ponder/g', replaceString: 'think', placement: [6] }),
      ],
    });
    const append = appendOp('x');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [append] });
    const edit = await client.post(`/api/chats/${chatId}/ops`, {
      ops: [{ opId: newId(), type: 'edit', messageId: append.message.id, content: 'foo baz' }],
    });
    assert.equal(edit.status, 200);
    assert.equal((await messages(client, chatId))[0]?.content, 'foo qux');

    fake.script = { reasoning: ['I ponder'], tokens: ['ok'] };
    await generateThroughFake(client, fake, chatId);
    assert.equal((await messages(client, chatId))[1]?.extra.reasoning, 'I think');
  });

  test('display-only scripts count depth from the newest shown message, across pages; hidden messages are shown as stored', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { first_mes: '' } });
    await setScripts(client, { scripts: [st({ findRegex: '/x/', replaceString: 'y', markdownOnly: true, placement: [1], maxDepth: 1 })] });
    const ops = ['x1', 'x2', 'x3'].map((text) => appendOp(text));
    assert.equal((await client.post(`/api/chats/${chatId}/ops`, { ops })).status, 200);
    const shown = async (query = '') =>
      ((await client.get(`/api/chats/${chatId}/messages${query}`)).body.messages as Array<{ content: string; displayText?: string; seq: number }>).map(
        (m) => m.displayText ?? m.content,
      );
    assert.deepEqual(await shown(), ['x1', 'y2', 'y3']);
    const hide = { opId: newId(), type: 'setHidden', messageId: ops[2]!.message.id, hidden: true };
    assert.equal((await client.post(`/api/chats/${chatId}/ops`, { ops: [hide] })).status, 200);
    assert.deepEqual(await shown(), ['y1', 'y2', 'x3']);
    // A page further back still knows how many shown messages come after it.
    const all = (await client.get(`/api/chats/${chatId}/messages`)).body.messages as Array<{ seq: number }>;
    assert.deepEqual(await shown(`?before=${all[2]!.seq}&limit=1`), ['y2']);
    assert.deepEqual(await shown(`?before=${all[1]!.seq}&limit=1`), ['y1']);
  });

  test("a new chat's greeting and its alternates are stored through AI output scripts", async () => {
    const server = await serve();
    const { client, characterId } = await chatWithFake(server, fake, { card: { first_mes: 'Hello traveller', alternate_greetings: ['Hi traveller'] } });
    await setScripts(client, { scripts: [st({ findRegex: '/traveller/g', replaceString: '{{user}}', placement: [2] })] });
    const chat = await client.post('/api/chats', { characterId });
    assert.equal(chat.status, 201);
    const [greeting] = await messages(client, chat.body.id);
    assert.equal(greeting?.content, 'Hello Ann');
    assert.deepEqual((greeting as unknown as { swipes: string[] }).swipes, ['Hello Ann', 'Hi Ann']);
  });

  test("a card's scripts run only once the user allows that character", async () => {
    const server = await serve();
    const cardScript = st({ findRegex: '/sword/g', replaceString: 'blade', promptOnly: true, placement: [1] });
    const { client, chatId, characterId } = await chatWithFake(server, fake, {
      card: { first_mes: '', extensions: { regex_scripts: [cardScript] } },
    });
    await send(client, chatId, 'my sword');
    assert.equal(sentMessages(await generateThroughFake(client, fake, chatId)).at(-1), 'user: my sword');
    await setScripts(client, { allowedCharacters: [characterId] });
    assert.equal(sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'regenerate' })).at(-1), 'user: my blade');
  });

  test('world info placement changes activated entries in the prompt only', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { first_mes: '' } });
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify(stWorld([stEntry(0, { constant: true, content: 'LORE of the forest' })]))], { type: 'application/json' }), 'Lore.json');
    assert.equal((await client.post('/api/worlds/import', form)).status, 201);
    const settings = await client.patch('/api/settings', { opId: newId(), patch: { worldInfo: { globalBooks: ['Lore'] } } });
    assert.equal(settings.status, 200);
    await setScripts(client, {
      scripts: [
        st({ findRegex: '/LORE/', replaceString: 'Lore', placement: [5], promptOnly: true }),
        // With neither flag, a world-info script never runs (SillyTavern's world info is prompt-only text).
        st({ findRegex: '/forest/', replaceString: 'FOREST', placement: [5] }),
      ],
    });
    await send(client, chatId, 'hi LORE');
    const prompt = sentMessages(await generateThroughFake(client, fake, chatId)).join('\n');
    assert.ok(prompt.includes('Lore of the forest'), prompt);
    assert.ok(prompt.includes('user: hi LORE'), 'a world-info script leaves the messages');
  });

  test('a catastrophic display pattern is skipped: the page comes back, and the server answers meanwhile', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { first_mes: '' } });
    await setScripts(client, {
      scripts: [
        st({ scriptName: 'Catastrophic', findRegex: '/(a+)+$/', replaceString: 'x', markdownOnly: true, placement: [1] }),
        st({ findRegex: '/!/', replaceString: '?', markdownOnly: true, placement: [1] }),
      ],
    });
    await send(client, chatId, `${'a'.repeat(5_000)}!`);
    await send(client, chatId, `${'a'.repeat(40)}!`);
    const started = Date.now();
    const page = messages(client, chatId);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    const healthMs = Date.now() - started;
    const shown = await page;
    const pageMs = Date.now() - started;
    assert.ok(healthMs < 1_000, `health answered in ${healthMs} ms`);
    assert.ok(pageMs < 3_000, `page answered in ${pageMs} ms`);
    assert.equal(shown[1]?.displayText, `${'a'.repeat(40)}?`, 'the other script still ran');
    assert.equal(shown[1]?.content, `${'a'.repeat(40)}!`);

    // In the prompt too: the generation goes on without the script, and the inspector names it.
    await setScripts(client, {
      scripts: [
        st({ scriptName: 'Slow in prompt', findRegex: '/(b+)+$/', replaceString: 'x', promptOnly: true, placement: [1] }),
        st({ findRegex: '/!/g', replaceString: '?', promptOnly: true, placement: [1] }),
      ],
    });
    await send(client, chatId, `${'b'.repeat(5_000)}!`);
    const prompt = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.equal(prompt.at(-1), `user: ${'b'.repeat(5_000)}?`);
    const inspection = (await client.get(`/api/chats/${chatId}/prompt`)).body;
    assert.deepEqual(inspection.slowRegexScripts, ['Slow in prompt']);
  });
});
