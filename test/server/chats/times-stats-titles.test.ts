import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isDefaultChatTitle, titleFromOpeningWords } from '../../../src/server/services/chats.js';
import { MAX_OFFLINE_MS, writtenAt } from '../../../src/server/services/chat-ops.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { ManualClock } from '../../support/manual-clock.js';
import { SseReader, untilEnd } from '../../support/sse-reader.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';

let fake: FakeLlmServer;
const readers: SseReader[] = [];
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => {
  for (const reader of readers) reader.close();
});
const serve = serversForThisFile({ logLevel: 'warn' });
after(() => fake.close());

async function signedIn(server: TestServer) {
  const client = new TestClient(server.url);
  await client.session();
  return client;
}

async function messages(client: TestClient, chatId: string) {
  const reply = await client.get(`/api/chats/${chatId}/messages?limit=1000`);
  assert.equal(reply.status, 200);
  return reply.body.messages as Array<{ id: string; role: string; content: string; createdAt: string; extra: Record<string, unknown> }>;
}

async function exportLines(server: TestServer, client: TestClient, chatId: string): Promise<Array<Record<string, any>>> {
  const response = await fetch(`${server.url}/api/chats/${chatId}/export?format=jsonl`, { headers: { cookie: client.cookieHeader } });
  assert.equal(response.status, 200);
  return (await response.text()).split('\n').map((line) => JSON.parse(line) as Record<string, any>);
}

describe('a finished reply records its tokens, times, api and model under SillyTavern\'s names', () => {
  test('in extra while in Parley; gen_started / gen_finished beside extra in the exported file, as SillyTavern writes them', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const server = await serve({}, { clock });
    const client = await signedIn(server);
    const { chatId } = await createCharacterAndChat(client);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello there.')] });
    const connection = { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' };
    assert.equal((await client.post('/api/connections', connection)).status, 201);
    fake.script = { tokens: ['Hello', ',', ' world', '!'] };
    const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: {} });
    readers.push(reader);
    const events = await untilEnd(reader);
    assert.equal(events.at(-1)!.event, 'done');

    const reply = (await messages(client, chatId)).at(-1)!;
    assert.equal(reply.content, 'Hello, world!');
    const { token_count, gen_started, gen_finished, api, model } = reply.extra;
    assert.equal(typeof token_count, 'number');
    assert.ok((token_count as number) >= 3 && (token_count as number) <= 6, `token_count ${token_count}`);
    assert.equal(gen_started, new Date(Date.UTC(2026, 5, 1, 12)).toISOString());
    assert.equal(gen_finished, new Date(Date.UTC(2026, 5, 1, 12)).toISOString());
    assert.equal(api, 'chat-completions');
    assert.equal(model, 'fake-model');

    const lines = await exportLines(server, client, chatId);
    const line = lines.at(-1)!;
    assert.equal(line.gen_started, gen_started);
    assert.equal(line.gen_finished, gen_finished);
    assert.equal(line.extra.token_count, token_count);
    assert.equal(line.extra.gen_started, undefined, 'not inside extra in the file');
    assert.equal(line.extra.model, 'fake-model');
  });
});

describe('a message keeps the time it was written', () => {
  // [what the client says, what is stored] for a server whose clock reads NOW.
  const NOW = Date.UTC(2026, 5, 1, 12);
  const cases: Array<[string, string | undefined, number]> = [
    ['no time: the time it arrived', undefined, NOW],
    ['two hours ago, typed offline', new Date(NOW - 2 * 3_600_000).toISOString(), NOW - 2 * 3_600_000],
    ['with an offset', '2026-06-01T13:30:00+02:00', Date.UTC(2026, 5, 1, 11, 30)],
    ['in the future (a clock ahead): now', new Date(NOW + 3_600_000).toISOString(), NOW],
    ['a year ago (a clock far off): 30 days back at most', new Date(NOW - 365 * 86_400_000).toISOString(), NOW - MAX_OFFLINE_MS],
  ];
  for (const [name, claimed, stored] of cases) {
    test(`writtenAt: ${name}`, () => assert.equal(writtenAt(claimed, NOW), stored));
  }

  test('an append carrying its time is stored with it; a time that is not ISO is a 400 and nothing is stored', async () => {
    const clock = new ManualClock(NOW);
    const server = await serve({}, { clock });
    const client = await signedIn(server);
    const { chatId } = await createCharacterAndChat(client);
    const offline = appendOp('Typed on the train.');
    const typedAt = new Date(NOW - 90 * 60_000).toISOString();
    const applied = await client.post(`/api/chats/${chatId}/ops`, { ops: [{ ...offline, message: { ...offline.message, createdAt: typedAt } }] });
    assert.equal(applied.status, 200);
    const future = appendOp('From a clock ahead.');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ ...future, message: { ...future.message, createdAt: '2099-01-01T00:00:00Z' } }] });
    const stored = await messages(client, chatId);
    assert.equal(stored.find((m) => m.content === 'Typed on the train.')!.createdAt, typedAt);
    assert.equal(stored.find((m) => m.content === 'From a clock ahead.')!.createdAt, new Date(NOW).toISOString());

    const bad = appendOp('Odd time.');
    const refused = await client.post(`/api/chats/${chatId}/ops`, { ops: [{ ...bad, message: { ...bad.message, createdAt: 'yesterday' } }] });
    assert.equal(refused.status, 400);
    assert.equal((await messages(client, chatId)).length, stored.length);
  });
});

describe('a chat is named after the user\'s first words', () => {
  const openings: Array<[string, string | null]> = [
    ['Hello there, guardian of the forest.', 'Hello there, guardian of the forest.'],
    ['  *waves*   Hi!\n\nHow are you? ', 'waves Hi! How are you?'],
    ['I walk into the tavern and look around for anyone who might know the way north.', 'I walk into the tavern and look around for…'],
    ['Supercalifragilisticexpialidocious-and-then-some-more-letters-here', 'Supercalifragilisticexpialidocious-and-then-some…'],
    ['***', null],
    ['   ', null],
    // Cut with no space to cut at: never inside a character (a lone surrogate is stored broken, or as U+FFFD).
    [`a${'🐉'.repeat(30)}`, `a${'🐉'.repeat(23)}…`],
    ['🐉'.repeat(30), `${'🐉'.repeat(24)}…`],
  ];
  for (const [text, title] of openings) {
    test(`titleFromOpeningWords(${JSON.stringify(text)})`, () => assert.equal(titleFromOpeningWords(text), title));
  }
  const titles: Array<[string, boolean]> = [
    ['Seraphina - 2024-09-28@01h02m03s', true],
    ['A - B - 2024-09-28@01h02m03s', true],
    ['My adventure', false],
    ['Seraphina - 2024-09-28', false],
  ];
  for (const [title, isDefault] of titles) {
    test(`isDefaultChatTitle(${JSON.stringify(title)}) is ${isDefault}`, () => assert.equal(isDefaultChatTitle(title), isDefault));
  }

  test('the first user message names a chat with its made-up title; later ones, a renamed chat and an import do not', async () => {
    const server = await serve();
    const client = await signedIn(server);
    const { chatId, characterId } = await createCharacterAndChat(client);
    assert.ok(isDefaultChatTitle((await client.get(`/api/chats/${chatId}`)).body.title));
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Tell me about the old ruins to the east.')] });
    assert.equal((await client.get(`/api/chats/${chatId}`)).body.title, 'Tell me about the old ruins to the east.');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('And the river?')] });
    assert.equal((await client.get(`/api/chats/${chatId}`)).body.title, 'Tell me about the old ruins to the east.');

    const renamed = (await client.post('/api/chats', { characterId })).body.id as string;
    await client.post(`/api/chats/${renamed}/ops`, { ops: [{ opId: newId(), type: 'setTitle', title: 'Chosen name' }, appendOp('First words.')] });
    assert.equal((await client.get(`/api/chats/${renamed}`)).body.title, 'Chosen name');

    const form = new FormData();
    const file = [{ user_name: 'User', character_name: 'Seraphina', chat_metadata: {} }, { name: 'Seraphina', is_user: false, mes: 'Hi.', send_date: 1 }]
      .map((line) => JSON.stringify(line))
      .join('\n');
    form.append('file', new Blob([file], { type: 'application/jsonl' }), 'Seraphina - 2024-09-28@01h02m03s.jsonl');
    const imported = await client.post(`/api/chats/import?characterId=${characterId}`, form);
    assert.equal(imported.status, 201);
    await client.post(`/api/chats/${imported.body.id}/ops`, { ops: [appendOp('Back again.')] });
    assert.equal((await client.get(`/api/chats/${imported.body.id}`)).body.title, 'Seraphina - 2024-09-28@01h02m03s');
  });

  test('the exported header names the persona the user speaks as', async () => {
    const server = await serve();
    const client = await signedIn(server);
    const { chatId } = await createCharacterAndChat(client);
    const persona = await client.post('/api/personas', { id: newId(), name: 'Aria', description: '' });
    assert.equal(persona.status, 201, JSON.stringify(persona.body));
    const [header] = await exportLines(server, client, chatId);
    assert.equal(header!.user_name, 'Aria');
  });
});
