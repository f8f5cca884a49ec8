import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, makeCard, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, untilEnd, type SseEvent } from '../../support/sse-reader.js';
import { serversForThisFile } from '../../support/test-server.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';

let fake: FakeLlmServer;
const readers: SseReader[] = [];
before(async () => {
  fake = await FakeLlmServer.start();
});
after(async () => {
  for (const reader of readers) reader.close();
  await fake.close();
});
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});
const serve = serversForThisFile({ logLevel: 'warn' });

interface Setup {
  client: TestClient;
  alice: string;
  bob: string;
  carol: string;
  groupId: string;
  chatId: string;
}

/** Three members whose cards say who they are; talkativeness 0 so that only names (or a forced pick) choose. */
/** Each group chat gets a server of its own on a new database of the current describe's dialect. */
let dialectNow: (typeof DIALECTS)[number] = 'sqlite';
const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.dispose();
});

async function groupChat(settings: Record<string, unknown> = {}, api = 'chat-completions'): Promise<Setup> {
  const db = await freshDatabase(dialectNow);
  databases.push(db);
  const client = new TestClient((await serve(db.configKeys)).url);
  await client.session();
  await client.post('/api/connections', { id: newId(), name: 'Fake', api, baseUrl: fake.url, model: 'm' });
  const character = async (name: string) => {
    const card = makeCard({ name, description: `${name.toUpperCase()}-CARD is {{char}}.`, first_mes: '', extensions: { talkativeness: '0' } });
    return (await client.post('/api/characters', { card })).body.id as string;
  };
  const [alice, bob, carol] = [await character('Alice'), await character('Bob'), await character('Carol')];
  const group = await client.post('/api/groups', { name: 'Party', memberIds: [alice, bob, carol], settings });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const chat = await client.post('/api/chats', { groupId: group.body.id });
  return { client, alice, bob, carol, groupId: group.body.id, chatId: chat.body.id };
}

async function generate(s: Setup, body: Record<string, unknown> = {}): Promise<SseEvent[]> {
  const reader = new SseReader(s.client, `/api/chats/${s.chatId}/generate`, { method: 'POST', body: { mode: 'new', ...body } });
  readers.push(reader);
  return untilEnd(reader);
}

const sent = () => fake.lastCompletion().messages as { role: string; content: string }[];
const systemText = () => sent()[0]!.content;
const messages = async (s: Setup) => (await s.client.get(`/api/chats/${s.chatId}/messages`)).body.messages as any[];

for (const dialect of DIALECTS) describe(`generation in a group chat (${dialect})`, async () => {
  const skip = await unavailable(dialect);
  before(() => {
    dialectNow = dialect;
  });

  test('a forced member speaks: the prompt carries its card, the reply its name and speaker', { skip: skip ?? false }, async () => {
    const s = await groupChat();
    await s.client.post(`/api/chats/${s.chatId}/ops`, { ops: [appendOp('Hello, Alice.')] });
    const events = await generate(s, { speakerId: s.bob });
    assert.equal(events.at(-1)!.event, 'done', JSON.stringify(events.at(-1)));
    assert.equal(events[0]!.data.speakerId, s.bob);
    assert.match(systemText(), /BOB-CARD is Bob\./);
    assert.doesNotMatch(systemText(), /ALICE-CARD|CAROL-CARD/);
    const last = (await messages(s)).at(-1);
    assert.deepEqual([last.name, last.speakerId, last.content], ['Bob', s.bob, 'Hello, world!']);
    const inspection = (await s.client.get(`/api/chats/${s.chatId}/prompt`)).body;
    assert.deepEqual(inspection.group, { speakerId: s.bob, speakerName: 'Bob', promptMode: 'swap', cards: ['Bob'] });
  });

  test('natural order: the member named speaks; names are in the history, the nudge closes the prompt', { skip: skip ?? false }, async () => {
    const s = await groupChat();
    await s.client.post(`/api/chats/${s.chatId}/ops`, { ops: [appendOp('Carol, then Alice: what now?')] });
    const events = await generate(s);
    assert.equal(events[0]!.data.speakerId, s.carol);
    assert.deepEqual(events[0]!.data.queue, [s.alice], 'Alice is to speak after Carol');
    assert.match(systemText(), /CAROL-CARD/);
    const list = sent();
    assert.equal(list.find((m) => m.role === 'user')!.content, 'User: Carol, then Alice: what now?');
    assert.equal(list.at(-1)!.role, 'system');
    assert.match(list.at(-1)!.content, /only as Carol/);
    // The queue's next member, asked for by the client.
    await generate(s, { speakerId: s.alice });
    assert.match(systemText(), /ALICE-CARD/);
    assert.ok(sent().some((m) => m.role === 'assistant' && m.content === 'Carol: Hello, world!'), JSON.stringify(sent()));
    assert.deepEqual((await messages(s)).slice(-2).map((m) => m.name), ['Carol', 'Alice']);
  });

  test('regenerate, swipe and continue keep the speaker, muted or not', { skip: skip ?? false }, async () => {
    const s = await groupChat();
    await s.client.post(`/api/chats/${s.chatId}/ops`, { ops: [appendOp('Hi all.')] });
    await generate(s, { speakerId: s.bob });
    await s.client.patch(`/api/groups/${s.groupId}`, { mutedIds: [s.bob] });
    fake.script = { tokens: ['Another'] };
    assert.equal((await generate(s, { mode: 'regenerate' })).at(-1)!.event, 'done');
    assert.match(systemText(), /BOB-CARD/);
    fake.script = { tokens: [' and more'] };
    assert.equal((await generate(s, { mode: 'continue' })).at(-1)!.event, 'done');
    assert.match(systemText(), /BOB-CARD/);
    const last = (await messages(s)).at(-1);
    assert.deepEqual([last.name, last.speakerId, last.swipes, last.content], ['Bob', s.bob, ['Hello, world!', 'Another and more'], 'Another and more']);
  });

  test('join mode: the unmuted members\' cards joined (the muted one only with join_with_muted); text completion names', { skip: skip ?? false }, async () => {
    const s = await groupChat({ promptMode: 'join', joinPrefix: '[<FIELDNAME> of {{char}}]' }, 'text-completions');
    await s.client.patch(`/api/groups/${s.groupId}`, { mutedIds: [s.carol] });
    await s.client.post(`/api/chats/${s.chatId}/ops`, { ops: [appendOp('Hello.')] });
    await generate(s, { speakerId: s.alice });
    const prompt = fake.lastCompletion().prompt as string;
    assert.match(prompt, /\[Description of Alice\]\nALICE-CARD is Alice\.\n\[Description of Bob\]\nBOB-CARD is Bob\./);
    assert.doesNotMatch(prompt, /CAROL-CARD/);
    assert.match(prompt, /User: Hello\./);
    assert.match(prompt, /Alice:$/);
    assert.deepEqual((await s.client.get(`/api/chats/${s.chatId}/prompt`)).body.group.cards, ['Alice', 'Bob']);
    await s.client.patch(`/api/groups/${s.groupId}`, { settings: { promptMode: 'join_with_muted', scenario: 'GROUP-SCENARIO' } });
    await generate(s, { speakerId: s.bob });
    const withMuted = fake.lastCompletion().prompt as string;
    assert.match(withMuted, /CAROL-CARD is Carol\./);
    assert.match(withMuted, /GROUP-SCENARIO/);
    assert.doesNotMatch(withMuted, /a glade/, 'the group scenario replaces the cards\'');
  });

  test('world info: every unmuted member\'s book and the group\'s books join the scan while one member speaks', { skip: skip ?? false }, async () => {
    const db = await freshDatabase(dialectNow);
    databases.push(db);
    const client = new TestClient((await serve(db.configKeys)).url);
    await client.session();
    await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'm' });
    const lore = (content: string, keys: string[] = []) => ({
      entries: [{ keys, content, enabled: true, constant: keys.length === 0, insertion_order: 1, extensions: {} }],
    });
    const character = async (name: string, book?: unknown, extensions: Record<string, unknown> = {}) => {
      const card = makeCard({ name, description: `${name} card.`, first_mes: '', extensions: { talkativeness: '0', ...extensions }, ...(book ? { character_book: book } : {}) });
      return (await client.post('/api/characters', { card })).body.id as string;
    };
    // A book of Parley's linked by one member, the same book linked by another (read once), and the group's own.
    const form = (name: string, content: string) => {
      const f = new FormData();
      f.append('file', new Blob([JSON.stringify({ entries: { 0: { uid: 0, key: ['lantern'], keysecondary: [], content, order: 100, position: 0, disable: false, constant: false, selective: true } } })]), `${name}.json`);
      return f;
    };
    assert.equal((await client.post('/api/worlds/import', form('Shared Lore', 'SHARED-LANTERN'))).status, 201);
    assert.equal((await client.post('/api/worlds/import', form('Party Book', 'GROUP-LANTERN'))).status, 201);
    const alice = await character('Alice', lore('ALICE-OWN'));
    const bob = await character('Bob', lore('BOB-LANTERN', ['lantern']), { world: 'Shared Lore' });
    const dan = await character('Dan', undefined, { world: 'Shared Lore' });
    const carol = await character('Carol', lore('CAROL-MUTED'));
    const group = await client.post('/api/groups', { name: 'Party', memberIds: [alice, bob, dan, carol], settings: { books: ['Party Book'] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    await client.patch(`/api/groups/${group.body.id}`, { mutedIds: [carol] });
    const chat = (await client.post('/api/chats', { groupId: group.body.id })).body;
    await client.post(`/api/chats/${chat.id}/ops`, { ops: [appendOp('Light the lantern.')] });
    const s: Setup = { client, alice, bob, carol, groupId: group.body.id, chatId: chat.id };

    const events = await generate(s, { speakerId: alice });
    assert.equal(events.at(-1)!.event, 'done', JSON.stringify(events.at(-1)));
    const text = systemText();
    // Bob links Shared Lore, so his embedded copy is not read (as in a 1:1 chat); Dan's link reads it too: once.
    for (const expected of ['ALICE-OWN', 'SHARED-LANTERN', 'GROUP-LANTERN']) assert.match(text, new RegExp(expected));
    assert.equal(text.split('SHARED-LANTERN').length, 2, 'a book two members link is read once');
    assert.doesNotMatch(text, /BOB-LANTERN/);
    assert.doesNotMatch(text, /CAROL-MUTED/, 'a muted member is out of the scene');

    // join_with_muted carries the muted member's card, and its lore with it.
    await client.patch(`/api/groups/${group.body.id}`, { settings: { promptMode: 'join_with_muted' } });
    await generate(s, { speakerId: alice });
    assert.match(systemText(), /CAROL-MUTED/);
  });

  test('nobody to speak (manual order) or a non-member forced: a 400, nothing stored or sent', { skip: skip ?? false }, async () => {
    const s = await groupChat({ strategy: 'manual' });
    await s.client.post(`/api/chats/${s.chatId}/ops`, { ops: [appendOp('Anyone?')] });
    const before = await messages(s);
    for (const body of [{}, { speakerId: 'not-a-member' }]) {
      const reply = await s.client.post(`/api/chats/${s.chatId}/generate`, { mode: 'new', ...body });
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
    }
    assert.deepEqual(await messages(s), before);
    assert.equal(fake.requests.filter((r) => r.path.includes('completions')).length, 0);
    // Auto-mode in manual order picks someone.
    const events = await generate(s, { auto: true });
    assert.ok([s.alice, s.bob, s.carol].includes(events[0]!.data.speakerId));
  });
});
