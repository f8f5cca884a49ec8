import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { makeCard } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, untilEnd } from '../../support/sse-reader.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';
import { stEntry, stWorld } from '../../support/world-books.js';

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
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});

async function importBook(client: TestClient, name: string, entries: Record<string, unknown>[]) {
  const form = new FormData();
  form.append('file', new Blob([JSON.stringify(stWorld(entries), null, 4)], { type: 'application/json' }), `${name}.json`);
  const reply = await client.post('/api/worlds/import', form);
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.id as string;
}

async function generate(client: TestClient, chatId: string, mode = 'new') {
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode } });
  readers.push(reader);
  const events = await untilEnd(reader);
  assert.equal(events.at(-1)?.event, 'done', JSON.stringify(events.at(-1)));
  const request = fake.requests.findLast((r) => r.path.endsWith('/chat/completions'));
  assert.ok(request?.body);
  fake.requests.length = 0;
  return (request.body.messages as { role: string; content: string }[]).map((m) => `${m.role}: ${m.content}`);
}

/** A user with books from every source, a persona, a character and a chat, connected to the fake backend. */
async function setUp(server: TestServer) {
  const client = new TestClient(server.url);
  await client.session();
  await importBook(client, 'Global Lore', [
    stEntry(0, { key: ['sword'], content: 'GLOBAL-SWORD (before, order 300)', order: 300 }),
    stEntry(1, { key: ['nothing-here'], content: 'GLOBAL-UNUSED' }),
    stEntry(2, { constant: true, content: 'GLOBAL-DEPTH-1 (system at depth 1)', position: 4, depth: 1, role: 0 }),
  ]);
  await importBook(client, 'Char Primary', [
    stEntry(0, { key: ['river'], content: 'CHAR-RIVER (after)', position: 1, order: 50 }),
    stEntry(1, { key: ['river'], keysecondary: ['bridge'], selective: true, selectiveLogic: 0, content: 'CHAR-NEEDS-BRIDGE' }),
  ]);
  await importBook(client, 'Char Extra', [stEntry(0, { key: ['/riv(er|ers)/i'], content: 'EXTRA-REGEX (before, order 10)', order: 10 })]);
  await importBook(client, 'Persona Lore', [stEntry(0, { key: ['{{user}}'], content: 'PERSONA-NAMED (after, order 60)', position: 1, order: 60 })]);
  await importBook(client, 'Chat Lore', [
    stEntry(0, { key: ['sword'], content: 'CHAT-STICKY (before, order 200, sticky 3) mentions the harbor', order: 200, sticky: 3 }),
    stEntry(1, { key: ['harbor'], content: 'CHAT-RECURSED (examples bottom)', position: 6 }),
  ]);

  const card = makeCard({
    name: 'Seraphina',
    description: 'DESC',
    personality: '',
    scenario: '',
    mes_example: '',
    extensions: { world: 'Char Primary' },
    // Linked to a book of Parley's, the card's own copy is not read.
    character_book: { entries: [{ keys: ['sword'], content: 'EMBEDDED-NOT-USED', enabled: true, insertion_order: 1 }] },
  });
  const character = (await client.post('/api/characters', { card })).body;
  const persona = await client.post('/api/personas', { id: newId(), name: 'Wanderer', description: '', isDefault: true });
  assert.equal(persona.status, 201);
  const chat = (await client.post('/api/chats', { characterId: character.id })).body;
  await client.post(`/api/chats/${chat.id}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { world_info: 'Chat Lore' } }] });
  await client.patch('/api/settings', {
    opId: newId(),
    patch: {
      worldInfo: {
        globalBooks: ['Global Lore'],
        // Global Lore named again as the character's: read once, as global.
        characterBooks: { [character.id]: ['Char Extra', 'Global Lore'] },
        personaBooks: { [persona.body.id]: 'Persona Lore' },
      },
    },
  });
  const connection = await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' });
  assert.equal(connection.status, 201);
  return { client, chatId: chat.id as string, characterId: character.id as string };
}

describe('world info through a generation', () => {
  test('books from every source: exactly the expected entries, at the expected places', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('I carry my sword to the river, Wanderer.')] });
    const sent = await generate(client, chatId);
    assert.deepEqual(sent, [
      [
        "system: Write Seraphina's next reply in a fictional chat between Seraphina and Wanderer.",
        'EXTRA-REGEX (before, order 10)\nCHAT-STICKY (before, order 200, sticky 3) mentions the harbor\nGLOBAL-SWORD (before, order 300)',
        'DESC',
        'CHAR-RIVER (after)\nPERSONA-NAMED (after, order 60)',
        '<START>\nCHAT-RECURSED (examples bottom)',
      ].join('\n'),
      'assistant: Welcome, traveller.',
      'system: GLOBAL-DEPTH-1 (system at depth 1)',
      'user: I carry my sword to the river, Wanderer.',
    ]);

    const inspection = (await client.get(`/api/chats/${chatId}/prompt`)).body.worldInfo;
    const fired = inspection.entries.filter((e: { included: boolean }) => e.included);
    assert.deepEqual(
      fired.map((e: { book: string; source: string; why: string; matchedKey?: string; step: number }) => [e.book, e.source, e.why, e.matchedKey ?? null, e.step]),
      [
        ['Chat Lore', 'chat', 'key', 'sword', 1],
        ['Persona Lore', 'persona', 'key', '{{user}}', 1],
        ['Char Primary', 'character', 'key', 'river', 1],
        ['Char Extra', 'character', 'key', '/riv(er|ers)/i', 1],
        ['Global Lore', 'global', 'key', 'sword', 1],
        ['Global Lore', 'global', 'constant', null, 1],
        ['Chat Lore', 'chat', 'key', 'harbor', 2],
      ],
    );
    const metadata = (await client.get(`/api/chats/${chatId}`)).body.metadata;
    assert.deepEqual(Object.keys(metadata.timedWorldInfo.sticky), ['Chat Lore.0']);
  });

  test('sticky carries an entry into the next turn; a regenerated reply sees what the first attempt saw', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('My sword.')] });
    assert.ok((await generate(client, chatId)).some((m) => m.includes('CHAT-STICKY')));
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Let us rest.')] });
    const next = await generate(client, chatId);
    assert.ok(next.some((m) => m.includes('CHAT-STICKY')), 'sticky for three more messages: the next turn (two messages later) still has it');
    assert.ok(!next.some((m) => m.includes('GLOBAL-SWORD')), 'the plain entry is gone with its key');
    const again = await generate(client, chatId, 'regenerate');
    assert.deepEqual(again, next);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Quiet.')] });
    assert.ok(!(await generate(client, chatId)).some((m) => m.includes('CHAT-STICKY')), 'the sticky ran out');
  });

  test('a card that links no book of Parley\'s uses its embedded book; a slow regex key does not stall the reply', async () => {
    const server = await serve();
    const client = new TestClient(server.url);
    await client.session();
    const card = makeCard({
      name: 'Aqua',
      description: 'DESC',
      personality: '',
      scenario: '',
      mes_example: '',
      extensions: { world: 'No Such Book' },
      character_book: {
        entries: [
          { keys: ['lake'], content: 'EMBEDDED-LAKE', enabled: true, insertion_order: 1 },
          { keys: ['/(a+)+$/'], content: 'NEVER', enabled: true, insertion_order: 2 },
        ],
      },
    });
    const character = (await client.post('/api/characters', { card })).body;
    const chat = (await client.post('/api/chats', { characterId: character.id })).body;
    await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' });
    await client.post(`/api/chats/${chat.id}/ops`, { ops: [appendOp(`The lake ${'a'.repeat(40)}!`)] });
    const started = Date.now();
    const sent = await generate(client, chat.id);
    assert.ok(Date.now() - started < 5_000);
    assert.match(sent[0] ?? '', /EMBEDDED-LAKE/);
    assert.doesNotMatch(sent.join('\n'), /NEVER/);
    const inspection = (await client.get(`/api/chats/${chat.id}/prompt`)).body.worldInfo;
    assert.deepEqual(inspection.problems.map((p: { problem: string }) => p.problem), ['slow_regex']);
  });
});
