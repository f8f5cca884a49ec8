import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { defaultAvatarPng } from '../../src/server/formats/default-avatar.js';
import { readCardFile } from '../../src/server/formats/read-card-file.js';
import { importSillyTavernFolder } from '../../src/server/services/sillytavern-import.js';
import { exportWorld } from '../../src/server/services/worlds.js';
import { appendOp, makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { startTestServer, tempDir, type TestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';

const SERAPHINA = readFileSync(new URL('../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url));
const decoder = new TextDecoder();

const CHAT_FILE = [
  { user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: { integrity: 'abc' } },
  { name: 'Seraphina', is_user: false, is_system: false, send_date: 'September 28, 2024 1:02am', mes: 'Hello!', swipes: ['Hello!', 'Hi there.'], swipe_id: 0, swipe_info: [{ send_date: 'a', extra: {} }, { send_date: 'b', extra: {} }], extra: { api: 'openai' } },
  { name: 'User', is_user: true, is_system: false, send_date: 1727485380000, mes: 'Hi!', extra: {}, force_avatar: 'User Avatars/me.png' },
]
  .map((line) => JSON.stringify(line))
  .join('\n');

let server: TestServer;
let alice: TestClient;
let bob: TestClient;
let aliceId: string;

async function download(client: TestClient) {
  const response = await fetch(`${server.url}/api/export`, { headers: { cookie: client.cookieHeader } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { response, bytes };
}

function upload(path: string, bytes: BlobPart, fileName: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), fileName);
  return alice.post(path, form);
}

before(async () => {
  server = await startTestServer({ config: { enableUserAccounts: true } });
  aliceId = (await addUser(server, { handle: 'alice', password: 'alice-password', name: 'Alice' })).id;
  await addUser(server, { handle: 'bob', password: 'bob-password' });
  alice = new TestClient(server.url);
  bob = new TestClient(server.url);
  assert.equal((await alice.login('alice', 'alice-password')).status, 200);
  assert.equal((await bob.login('bob', 'bob-password')).status, 200);

  // Alice: two characters named Seraphina (a PNG card and a JSON one), one with a path for a name.
  const seraphina = (await upload('/api/characters/import', SERAPHINA, 'default_Seraphina.png')).body;
  const imported = await upload(`/api/chats/import?characterId=${seraphina.id}`, CHAT_FILE, 'Seraphina - 2024-09-28@01h02m03s.jsonl');
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  const made = await alice.post('/api/chats', { characterId: seraphina.id, title: '../../evil\u0007/name' });
  await alice.post(`/api/chats/${made.body.id}/ops`, { ops: [appendOp('typed in Parley')] });
  await alice.post('/api/characters', { card: makeCard({ name: 'Seraphina', description: 'the JSON twin' }) });
  await alice.post('/api/characters', { card: makeCard({ name: '../../etc/passwd' }) });

  const withAvatar = newId();
  await alice.post('/api/personas', { id: withAvatar, name: 'Traveller', description: 'A curious traveller.', isDefault: true });
  await alice.post('/api/personas', { id: newId(), name: 'Scribe', description: 'Writes things down.' });
  const avatarHash = await server.store.blobs.put(await defaultAvatarPng(), 'image/png', Date.now());
  await server.store.personas.setAvatar(aliceId, withAvatar, avatarHash, Date.now());
  await alice.patch('/api/settings', {
    opId: newId(),
    patch: { theme: 'dark', sillytavern: { mainApi: 'openai', contextSize: 8192, textCompletion: { temperature: 0.7, stop: ['\nYou:'] } } },
  });

  // A world-info book, global, and the Traveller persona's.
  const book = await upload('/api/worlds/import', JSON.stringify({ entries: { '0': { uid: 0, key: ['sword'], content: 'A sword.', extra: 1 } } }, null, 4), 'Eldoria.json');
  assert.equal(book.status, 201);
  await alice.patch('/api/settings', { opId: newId(), patch: { worldInfo: { globalBooks: ['Eldoria'], scanDepth: 3, personaBooks: { [withAvatar]: 'Eldoria' } } } });

  // Regex scripts: one global, and the PNG Seraphina allowed to run her card's.
  const regexScript = { id: 'r1', scriptName: 'Quotes', findRegex: '/"/g', replaceString: '“', placement: [2], markdownOnly: true };
  await alice.patch('/api/settings', { opId: newId(), patch: { regex: { scripts: [regexScript], allowedCharacters: [seraphina.id] } } });

  await bob.post('/api/characters', { card: makeCard({ name: 'Bob Secret' }) });
});
after(() => server.close());

describe('GET /api/export', () => {
  test('streams a zip of SillyTavern files with safe, unique names', async () => {
    const { response, bytes } = await download(alice);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="parley-export-alice-\d{4}-\d\d-\d\d\.zip"/);
    assert.equal(response.headers.get('content-length'), null, 'streamed, not built whole before sending');
    const files = unzipSync(bytes);
    const names = Object.keys(files).sort();

    for (const name of names) {
      const segments = name.split('/');
      for (const segment of segments) {
        assert.ok(segment.length > 0 && !segment.startsWith('.') && !segment.includes('..'), name);
        assert.doesNotMatch(segment, /[\u0000-\u001f\\:*?"<>|]/, name);
      }
    }
    const characters = names.filter((n) => n.startsWith('characters/'));
    assert.equal(characters.length, 3);
    assert.ok(characters.includes('characters/Seraphina.png'));
    assert.ok(characters.includes('characters/Seraphina (2).png'));
    const chats = names.filter((n) => n.startsWith('chats/'));
    assert.equal(chats.length, 2);
    assert.ok(chats.every((n) => n.split('/').length === 3 && n.endsWith('.jsonl')), chats.join());
    assert.ok(chats.includes('chats/Seraphina/Seraphina - 2024-09-28@01h02m03s.jsonl'));
    assert.deepEqual(names.filter((n) => n.startsWith('User Avatars/')), ['User Avatars/Scribe.png', 'User Avatars/Traveller.png']);
    assert.ok(names.includes('settings.json') && names.includes('parley-settings.json'));
    assert.deepEqual(names.filter((n) => n.startsWith('worlds/')), ['worlds/Eldoria.json']);
    // Bob's card would be a fourth PNG; the next test also matches every card to one of Alice's.
    assert.ok(!names.some((n) => n.includes('Bob')), "no trace of Bob's library");
  });

  test('each file is what the single exports give: cards, chats byte for byte, personas, settings', async () => {
    const files = unzipSync((await download(alice)).bytes);
    const list = (await alice.get('/api/characters')).body as Array<{ id: string }>;
    const sorted = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
    const inZip = (folder: string) => Object.entries(files).filter(([n]) => n.startsWith(folder));
    const zippedCards = inZip('characters/').map(([name, data]) => {
      const { card, image } = readCardFile(data, { fileName: name });
      assert.ok(image, `${name} is a PNG card`);
      return card.data;
    });
    const cards = await Promise.all(list.map(async (c) => (await alice.get(`/api/characters/${c.id}`)).body.card.data));
    assert.deepEqual(sorted(zippedCards), sorted(cards));

    const singleExports = [];
    for (const chat of (await alice.get('/api/chats')).body as Array<{ id: string }>) {
      const single = await fetch(`${server.url}/api/chats/${chat.id}/export?format=jsonl`, { headers: { cookie: alice.cookieHeader } });
      singleExports.push(await single.text());
    }
    assert.deepEqual(inZip('chats/').map(([, d]) => decoder.decode(d)).sort(), singleExports.sort());
    const imported = decoder.decode(files['chats/Seraphina/Seraphina - 2024-09-28@01h02m03s.jsonl']!);
    assert.equal(imported, CHAT_FILE, 'an imported chat goes back out as it came in');

    assert.deepEqual(files['User Avatars/Traveller.png'], await defaultAvatarPng());
    const settingsJson = JSON.parse(decoder.decode(files['settings.json']!));
    assert.deepEqual(settingsJson.power_user, {
      personas: { 'Scribe.png': 'Scribe', 'Traveller.png': 'Traveller' },
      persona_descriptions: { 'Scribe.png': { description: 'Writes things down.' }, 'Traveller.png': { description: 'A curious traveller.', lorebook: 'Eldoria' } },
      default_persona: 'Traveller.png',
    });
    assert.equal(settingsJson.username, 'Alice');
    assert.equal(settingsJson.main_api, 'openai');
    assert.equal(settingsJson.max_context, 8192);
    assert.deepEqual(settingsJson.textgenerationwebui_settings, { temp: 0.7, stopping_strings: ['\nYou:'] });
    assert.deepEqual(JSON.parse(decoder.decode(files['parley-settings.json']!)), (await alice.get('/api/settings')).body.values);
    const world = (await alice.get('/api/worlds')).body[0];
    const single = await fetch(`${server.url}/api/worlds/${world.id}/export`, { headers: { cookie: alice.cookieHeader } });
    assert.equal(decoder.decode(files['worlds/Eldoria.json']!), await single.text());
    assert.deepEqual(settingsJson.world_info_settings.world_info, { globalSelect: ['Eldoria'] });
    assert.deepEqual(settingsJson.extension_settings.regex.map((s: { id: string; scriptName: string }) => [s.id, s.scriptName]), [['r1', 'Quotes']]);
    assert.equal(settingsJson.extension_settings.character_allowed_regex.length, 1);
    assert.ok(files[`characters/${settingsJson.extension_settings.character_allowed_regex[0]}`], 'the allowed card is the exported file of that name');
    assert.equal(settingsJson.world_info_settings.world_info_depth, 3);
  });

  test('unzipped, it imports back into another account with nothing lost', async () => {
    const files = unzipSync((await download(alice)).bytes);
    const dir = tempDir('parley-export-');
    try {
      for (const [name, data] of Object.entries(files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), data);
      }
      const carol = await addUser(server, { handle: 'carol', password: 'carol-password' });
      const report = await importSillyTavernFolder(server.store, dir, {
        userId: carol.id,
        now: Date.now,
        maxCardBytes: 32 * 1024 * 1024,
        maxChatBytes: 32 * 1024 * 1024,
      });
      assert.deepEqual(report.skipped, []);
      assert.deepEqual(report.imported, { characters: 3, chats: 2, groups: 0, personas: 2, worlds: 1, presets: 0, messages: 4 });

      const cardsOf = async (userId: string) =>
        Promise.all((await server.store.characters.list(userId)).map(async (c) => (await server.store.characters.get(userId, c.id))!.card.data))
          .then((cards) => cards.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
      assert.deepEqual(await cardsOf(carol.id), await cardsOf(aliceId));

      const messagesOf = async (userId: string) => {
        const out: unknown[] = [];
        for (const chat of await server.store.chats.list(userId)) {
          const messages = [];
          for await (const m of server.store.chats.all(chat.id)) messages.push([m.role, m.content, m.swipes, m.swipeIndex, m.extra]);
          out.push(JSON.stringify(messages));
        }
        return out.sort();
      };
      assert.deepEqual(await messagesOf(carol.id), await messagesOf(aliceId));

      const personasOf = async (userId: string) =>
        Promise.all(
          (await server.store.personas.list(userId)).map(async (p) => ({
            name: p.name,
            description: p.description,
            isDefault: p.isDefault,
            avatar: p.avatarHash ? (await server.store.blobs.get(p.avatarHash))!.bytes : null,
          })),
        );
      const carolPersonas = await personasOf(carol.id);
      assert.deepEqual(carolPersonas.find((p) => p.name === 'Traveller'), (await personasOf(aliceId)).find((p) => p.name === 'Traveller'));
      assert.deepEqual(carolPersonas.find((p) => p.name === 'Scribe')?.description, 'Writes things down.');

      const [carolBook] = await server.store.worlds.list(carol.id);
      const [aliceBook] = await server.store.worlds.list(aliceId);
      assert.equal((await exportWorld(server.store, carol.id, carolBook!.id)).text, (await exportWorld(server.store, aliceId, aliceBook!.id)).text);
      const carolTraveller = (await server.store.personas.list(carol.id)).find((p) => p.name === 'Traveller')!;
      const carolWorldInfo = (await server.store.settings.get(carol.id)).values.worldInfo as Record<string, unknown>;
      assert.deepEqual(carolWorldInfo.globalBooks, ['Eldoria']);
      assert.equal(carolWorldInfo.scanDepth, 3);
      assert.deepEqual(carolWorldInfo.personaBooks, { [carolTraveller.id]: 'Eldoria' });

      const { sillytavern } = (await server.store.settings.get(carol.id)).values as { sillytavern: Record<string, unknown> };
      assert.deepEqual(sillytavern, {
        userName: 'Alice',
        activePersona: 'Traveller.png',
        mainApi: 'openai',
        contextSize: 8192,
        textCompletion: { temperature: 0.7, stop: ['\nYou:'] },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('needs a session', async () => {
    const reply = await new TestClient(server.url).get('/api/export');
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error, 'not_authenticated');
  });
});
