import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { unzipSync, strFromU8 } from 'fflate';
import sharp from 'sharp';
import { DEFAULT_HANDLE } from '../../src/server/security/accounts.js';
import { importSillyTavernFolder } from '../../src/server/services/sillytavern-import.js';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { untilEnd, SseReader } from '../support/sse-reader.js';
import { tempDir, type TestServer } from '../support/test-server.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../support/test-databases.js';
import { addUser } from '../support/users.js';

let fake: FakeLlmServer;
const readers: SseReader[] = [];
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => {
  for (const reader of readers) reader.close();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});

async function signedIn(server: TestServer) {
  const client = new TestClient(server.url);
  await client.session();
  return client;
}

async function createPersona(client: TestClient, name: string, extra: Record<string, unknown> = {}) {
  const id = newId();
  const reply = await client.post('/api/personas', { id, name, description: `${name} is here.`, ...extra });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body as { id: string; isDefault: boolean; avatarUrl: string | null };
}

const png = (size = 64, colour = '#c04') =>
  sharp({ create: { width: size, height: size, channels: 3, background: colour } }).png().toBuffer();

function upload(client: TestClient, path: string, bytes: Uint8Array | string, name = 'avatar.png') {
  const form = new FormData();
  form.append('file', new Blob([bytes as BlobPart]), name);
  return client.put(path, form);
}

const op = (chatId: string, client: TestClient, ops: unknown[]) => client.post(`/api/chats/${chatId}/ops`, { ops });
const setPersona = (personaId: string | null) => ({ opId: newId(), type: 'setPersona', personaId });

/** The user's name as the backend read it: the card's description is "{{user}} meets {{char}}." */
async function nameInPrompt(client: TestClient, chatId: string): Promise<string> {
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode: 'new' } });
  readers.push(reader);
  const events = await untilEnd(reader);
  assert.equal(events.at(-1)!.event, 'done', JSON.stringify(events.at(-1)));
  const system = (fake.lastCompletion().messages as { content: string }[])[0]!.content;
  const found = /(\S+) meets \S+\./.exec(system);
  assert.ok(found, system);
  return found[1]!;
}

const skips = await dialectSkips();
for (const dialect of DIALECTS) describe(`personas (${dialect})`, { skip: skips[dialect] }, () => {
  const serve = serversForThisFileOn(dialect, { logLevel: 'warn' });

  describe('personas', () => {
    test('the first persona created becomes the default; later ones do not', async () => {
      const client = await signedIn(await serve());
      const first = await createPersona(client, 'Ann');
      const second = await createPersona(client, 'Bea');
      assert.equal(first.isDefault, true);
      assert.equal(second.isDefault, false);
      const third = await createPersona(client, 'Cleo', { isDefault: true });
      const list = (await client.get('/api/personas')).body as { name: string; isDefault: boolean }[];
      assert.deepEqual(list.map((p) => [p.name, p.isDefault]), [['Ann', false], ['Bea', false], ['Cleo', true]]);
      assert.equal(third.isDefault, true);
    });

    test('an avatar is uploaded, served to its owner only, and refused when it is not an image', async () => {
      const server = await serve({ enableUserAccounts: true });
      await addUser(server, { handle: 'ann', password: 'password-ann' });
      await addUser(server, { handle: 'bob', password: 'password-bob' });
      const ann = new TestClient(server.url);
      await ann.login('ann', 'password-ann');
      const bob = new TestClient(server.url);
      await bob.login('bob', 'password-bob');
      const persona = await createPersona(ann, 'Ann');
      assert.equal(persona.avatarUrl, null);

      const image = await png(96);
      const put = await upload(ann, `/api/personas/${persona.id}/avatar`, image);
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.match(put.body.avatarUrl, /^\/api\/personas\/.+\/avatar\?v=[0-9a-f]{16}$/);
      const served = await fetch(server.url + put.body.avatarUrl, { headers: { cookie: ann.cookieHeader } });
      assert.equal(served.headers.get('content-type'), 'image/png');
      assert.deepEqual(new Uint8Array(await served.arrayBuffer()), new Uint8Array(image));
      assert.equal((await fetch(server.url + put.body.avatarUrl, { headers: { cookie: bob.cookieHeader } })).status, 404);

      const refusals: [string, Reply][] = [
        ['not an image', await upload(ann, `/api/personas/${persona.id}/avatar`, 'GIF89a but not really')],
        ['another user', await upload(bob, `/api/personas/${persona.id}/avatar`, image)],
        ['no persona', await upload(ann, `/api/personas/${newId()}/avatar`, image)],
        ['not multipart', await ann.put(`/api/personas/${persona.id}/avatar`, { file: 'x' })],
      ];
      assert.deepEqual(
        refusals.map(([what, reply]) => [what, reply.status]),
        [
          ['not an image', 400],
          ['another user', 404],
          ['no persona', 404],
          ['not multipart', 415],
        ],
      );
      assert.equal((refusals[0]![1].body as { details: { reason: string } }).details.reason, 'not_an_image');
      const after = (await ann.get('/api/personas')).body[0];
      assert.equal(after.avatarUrl, put.body.avatarUrl, 'a refused upload changed nothing');
    });

    test('an avatar over the upload limit is a 413 and changes nothing', async () => {
      const client = await signedIn(await serve({ limits: { cardUploadMb: 0.01 } }));
      const persona = await createPersona(client, 'Ann');
      const big = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#123' } })
        .png({ compressionLevel: 0 })
        .toBuffer();
      const refused = await upload(client, `/api/personas/${persona.id}/avatar`, big);
      assert.equal(refused.status, 413);
      assert.equal((await client.get('/api/personas')).body[0].avatarUrl, null);
    });
  });

  describe('who the user is in a chat', () => {
    // SillyTavern's order: the chat's own persona, else the one locked to the character, else the default,
    // else the account's name. Each row changes one thing and names who {{user}} is in the prompt.
    test('chat choice, then character lock, then default, then the account; a deleted persona counts as none', async () => {
      const client = await signedIn(await serve());
      await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'm' });
      const { chatId, characterId } = await createCharacterAndChat(client, { description: '{{user}} meets {{char}}.' });
      await op(chatId, client, [appendOp('Hello.')]);
      const steps: [string, () => Promise<unknown>, string][] = [
        ['no persona: the account', async () => undefined, 'User'],
        ['the first persona is the default', () => createPersona(client, 'Ann'), 'Ann'],
      ];
      let bea = '';
      let cleo = '';
      steps.push(
        ['a second persona changes nothing', async () => (bea = (await createPersona(client, 'Bea')).id), 'Ann'],
        ['locked to the character', () => client.put(`/api/characters/${characterId}/persona`, { personaId: bea }), 'Bea'],
        ['chosen for the chat', async () => {
          cleo = (await createPersona(client, 'Cleo')).id;
          return op(chatId, client, [setPersona(cleo)]);
        }, 'Cleo'],
        ['the chat choice deleted: the lock again', () => client.delete(`/api/personas/${cleo}`), 'Bea'],
        ['unlocked: the default again', () => client.put(`/api/characters/${characterId}/persona`, { personaId: null }), 'Ann'],
        ['chosen, then unchosen', async () => {
          await op(chatId, client, [setPersona(bea)]);
          assert.equal((await client.get(`/api/chats/${chatId}`)).body.personaId, bea);
          return op(chatId, client, [setPersona(null)]);
        }, 'Ann'],
      );
      for (const [what, change, expected] of steps) {
        await change();
        assert.equal(await nameInPrompt(client, chatId), expected, what);
      }
    });

    test('setPersona is an op like the others: it moves the revision once, a resend is a duplicate, bad ids are 400', async () => {
      const client = await signedIn(await serve());
      const { chatId } = await createCharacterAndChat(client);
      const persona = await createPersona(client, 'Ann');
      const chosen = setPersona(persona.id);
      const first = await op(chatId, client, [chosen]);
      const again = await op(chatId, client, [chosen]);
      assert.deepEqual([first.body.results[0].status, again.body.results[0].status], ['applied', 'duplicate']);
      assert.equal(again.body.revision, first.body.revision);
      const chat = (await client.get(`/api/chats/${chatId}`)).body;
      assert.equal(chat.personaId, persona.id);
      for (const personaId of ['../etc', '', 'x'.repeat(65), 5]) {
        const refused = await op(chatId, client, [{ opId: newId(), type: 'setPersona', personaId }]);
        assert.equal(refused.status, 400, String(personaId));
      }
      assert.equal((await client.get(`/api/chats/${chatId}`)).body.revision, chat.revision);
    });

    test('a character lock: 404 for another user, 400 for a bad id, shown on the character', async () => {
      const server = await serve({ enableUserAccounts: true });
      await addUser(server, { handle: 'ann', password: 'password-ann' });
      await addUser(server, { handle: 'bob', password: 'password-bob' });
      const ann = new TestClient(server.url);
      await ann.login('ann', 'password-ann');
      const bob = new TestClient(server.url);
      await bob.login('bob', 'password-bob');
      const { characterId } = await createCharacterAndChat(ann);
      const persona = await createPersona(ann, 'Ann');
      assert.equal((await bob.put(`/api/characters/${characterId}/persona`, { personaId: persona.id })).status, 404);
      assert.equal((await ann.put(`/api/characters/${characterId}/persona`, { personaId: '<b>' })).status, 400);
      const locked = await ann.put(`/api/characters/${characterId}/persona`, { personaId: persona.id });
      assert.equal(locked.status, 200);
      assert.equal((await ann.get(`/api/characters/${characterId}`)).body.personaId, persona.id);
    });
  });

  describe('SillyTavern persona locks', () => {
    test('a JSONL chat locked to a persona keeps the lock, exports it back as it came, and a new choice is exported by name', async () => {
      const server = await serve();
      const client = await signedIn(server);
      const { characterId } = await createCharacterAndChat(client);
      const text = [
        { user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: { persona: 'scribe.png', integrity: 'x' } },
        { name: 'Seraphina', is_user: false, is_system: false, send_date: 'September 28, 2024 1:02am', mes: 'Hi.', extra: {} },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n');
      const form = new FormData();
      form.append('file', new Blob([text]), 'locked.jsonl');
      const imported = await client.post(`/api/chats/import?characterId=${characterId}`, form);
      assert.equal(imported.status, 201);
      const chatId = imported.body.id as string;
      const lockedTo = (await client.get(`/api/chats/${chatId}`)).body.personaId as string;
      assert.match(lockedTo, /^st-[0-9a-f]{32}$/);
      const exportChat = async () =>
        (await fetch(`${server.url}/api/chats/${chatId}/export?format=jsonl`, { headers: { cookie: client.cookieHeader } })).text();
      assert.equal(await exportChat(), text, 'the lock is written back byte for byte');

      const ann = await createPersona(client, 'Ann');
      await op(chatId, client, [setPersona(ann.id)]);
      const header = () => exportChat().then((t) => JSON.parse(t.split('\n')[0]!).chat_metadata);
      assert.deepEqual(await header(), { integrity: 'x' }, "a single chat's export has no file for Ann: the lock is left out");

      const zip = unzipSync(new Uint8Array(await (await fetch(`${server.url}/api/export`, { headers: { cookie: client.cookieHeader } })).arrayBuffer()));
      const chatFile = Object.keys(zip).find((name) => name.endsWith('locked.jsonl'))!;
      const settings = JSON.parse(strFromU8(zip['settings.json']!));
      const annFile = Object.keys(settings.power_user.personas).find((key) => settings.power_user.personas[key] === 'Ann')!;
      assert.ok(zip[`User Avatars/${annFile}`], 'Ann has an avatar file in the export');
      assert.equal(JSON.parse(strFromU8(zip[chatFile]!).split('\n')[0]!).chat_metadata.persona, annFile);
    });

    test('a data folder: connections lock personas to characters, chat_metadata.persona to chats; an export writes them back', async () => {
      const server = await serve();
      const client = await signedIn(server);
      const folder = join(tempDir('parley-st-personas-'), 'default-user');
      after(() => rm(join(folder, '..'), { recursive: true, force: true }));
      const put = async (path: string, content: string | Uint8Array) => {
        await mkdir(join(folder, path, '..'), { recursive: true });
        await writeFile(join(folder, path), content);
      };
      await put('characters/Aqua.json', JSON.stringify(makeCard({ name: 'Aqua', description: '{{user}} meets {{char}}.' })));
      await put('characters/Bo.json', JSON.stringify(makeCard({ name: 'Bo' })));
      const line = (metadata: Record<string, unknown>) =>
        [
          { user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: metadata },
          { name: 'Aqua', is_user: false, is_system: false, send_date: 'September 28, 2024 1:02am', mes: 'Hi!', extra: {} },
        ]
          .map((o) => JSON.stringify(o))
          .join('\n');
      await put('chats/Aqua/locked.jsonl', line({ persona: 'scribe.png' }));
      await put('chats/Aqua/free.jsonl', line({}));
      await put('User Avatars/scribe.png', await png(32, '#0a0'));
      await put('User Avatars/traveller.png', await png(32, '#00a'));
      await put(
        'settings.json',
        JSON.stringify({
          power_user: {
            personas: { 'scribe.png': 'Scribe', 'traveller.png': 'Traveller' },
            persona_descriptions: {
              'scribe.png': { description: 'Writes.', connections: [{ type: 'character', id: 'Aqua.json' }, { type: 'group', id: '17' }] },
              'traveller.png': { description: 'Travels.' },
            },
            default_persona: 'traveller.png',
          },
        }),
      );
      const owner = (await server.store.users.byHandle(DEFAULT_HANDLE))!;
      const report = await importSillyTavernFolder(server.store, folder, {
        userId: owner.id,
        now: Date.now,
        maxCardBytes: 1e7,
        maxChatBytes: 1e7,
      });
      assert.deepEqual(report.imported, { characters: 2, chats: 2, groups: 0, personas: 2, worlds: 0, presets: 0, messages: 2 });

      const personas = (await client.get('/api/personas')).body as { id: string; name: string; isDefault: boolean }[];
      const scribe = personas.find((p) => p.name === 'Scribe')!;
      const characters = (await client.get('/api/characters')).body as { id: string; name: string }[];
      const lockOf = async (name: string) => (await client.get(`/api/characters/${characters.find((c) => c.name === name)!.id}`)).body.personaId;
      assert.equal(await lockOf('Aqua'), scribe.id);
      assert.equal(await lockOf('Bo'), null);
      const chats = (await client.get(`/api/chats?characterId=${characters.find((c) => c.name === 'Aqua')!.id}`)).body as { id: string; title: string }[];
      const chatOf = (title: string) => client.get(`/api/chats/${chats.find((c) => c.title === title)!.id}`).then((r) => r.body);
      assert.equal((await chatOf('locked')).personaId, scribe.id);
      assert.equal((await chatOf('free')).personaId, null);

      // The free chat of Aqua speaks as Scribe (the character lock), not as the default Traveller.
      await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'm' });
      const free = await chatOf('free');
      await op(free.id, client, [appendOp('Hello.')]);
      assert.equal(await nameInPrompt(client, free.id), 'Scribe');

      const zip = unzipSync(new Uint8Array(await (await fetch(`${server.url}/api/export`, { headers: { cookie: client.cookieHeader } })).arrayBuffer()));
      const settings = JSON.parse(strFromU8(zip['settings.json']!));
      const scribeFile = Object.keys(settings.power_user.personas).find((key) => settings.power_user.personas[key] === 'Scribe')!;
      assert.deepEqual(settings.power_user.persona_descriptions[scribeFile].connections, [{ type: 'character', id: 'Aqua.png' }]);
      assert.ok(zip['characters/Aqua.png']);
    });
  });

  type Reply = Awaited<ReturnType<TestClient['get']>>;
});
