import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { readCardFile } from '../../src/server/formats/read-card-file.js';
import { ManualClock } from '../support/manual-clock.js';
import { makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { serversForThisFile, type TestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';

const SERAPHINA = readFileSync(new URL('../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url));
const serve = serversForThisFile({ logLevel: 'warn' });

async function signedIn(server: TestServer) {
  const client = new TestClient(server.url);
  await client.session();
  return client;
}

function form(bytes: Uint8Array | string, name: string) {
  const body = new FormData();
  body.append('file', new Blob([bytes as BlobPart]), name);
  return body;
}

const importCard = (client: TestClient, bytes: Uint8Array | string, name: string, query = '') =>
  client.post(`/api/characters/import${query}`, form(bytes, name));

async function bytesOf(server: TestServer, client: TestClient, path: string) {
  const response = await fetch(server.url + path, { headers: { cookie: client.cookieHeader } });
  return { status: response.status, type: response.headers.get('content-type'), bytes: new Uint8Array(await response.arrayBuffer()) };
}

const list = async (client: TestClient) =>
  (await client.get('/api/characters')).body as {
    id: string;
    name: string;
    favourite: boolean;
    createdAt: string;
    latestChatId: string | null;
    lastChatAt: string | null;
    avatarUrl: string | null;
    thumbnailUrl: string | null;
    chatCount: number;
  }[];

describe('a new character from scratch, and its picture', () => {
  test('created from a card, then given a picture: stored as PNG, thumbnail made, exported inside the card', async () => {
    const server = await serve();
    const client = await signedIn(server);
    const created = await client.post('/api/characters', { card: makeCard({ name: 'Nova', first_mes: 'Hi, {{user}}.' }) });
    assert.equal(created.status, 201);
    assert.equal(created.body.avatarUrl, null);

    // A JPEG is re-encoded as PNG: the card travels inside its picture.
    const jpeg = await sharp({ create: { width: 400, height: 600, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    const put = await client.put(`/api/characters/${created.body.id}/avatar`, form(jpeg, 'nova.jpg'));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.match(put.body.avatarUrl, /\?v=[0-9a-f]{16}$/);
    const avatar = await bytesOf(server, client, put.body.avatarUrl);
    assert.equal(avatar.type, 'image/png');
    assert.deepEqual((await sharp(avatar.bytes).metadata()).format, 'png');
    const [summary] = await list(client);
    assert.equal(summary!.avatarUrl, put.body.avatarUrl);
    const thumbnail = await bytesOf(server, client, summary!.thumbnailUrl!);
    assert.equal(thumbnail.type, 'image/webp');

    const exported = await bytesOf(server, client, `/api/characters/${created.body.id}/export?format=png`);
    const { card, image } = readCardFile(exported.bytes);
    assert.equal(card.data.name, 'Nova');
    assert.equal((await sharp(image!).metadata()).width, 400);

    // A PNG is kept byte for byte; the URL moves with the picture.
    const png = await sharp({ create: { width: 400, height: 600, channels: 4, background: '#a36' } }).png().toBuffer();
    const again = await client.put(`/api/characters/${created.body.id}/avatar`, form(png, 'n.png'));
    assert.notEqual(again.body.avatarUrl, put.body.avatarUrl);
    assert.deepEqual((await bytesOf(server, client, again.body.avatarUrl)).bytes, new Uint8Array(png));
    assert.deepEqual((await client.get(`/api/characters/${created.body.id}`)).body.card, created.body.card, 'the card is untouched');
  });

  test('a picture that is not an image, too large, or for a character that is not yours changes nothing', async () => {
    const server = await serve({ enableUserAccounts: true, limits: { cardUploadMb: 0.05 } });
    await addUser(server, { handle: 'ann', password: 'password-ann' });
    await addUser(server, { handle: 'bob', password: 'password-bob' });
    const ann = new TestClient(server.url);
    await ann.login('ann', 'password-ann');
    const bob = new TestClient(server.url);
    await bob.login('bob', 'password-bob');
    const { body: character } = await ann.post('/api/characters', { card: makeCard() });
    const huge = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#123' } }).png({ compressionLevel: 0 }).toBuffer();
    const small = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#123' } }).png().toBuffer();
    const cases: [string, TestClient, string, Uint8Array | string, number][] = [
      ['text', ann, character.id, 'hello', 400],
      ['a PNG signature and nothing else', ann, character.id, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 400],
      ['over the limit', ann, character.id, huge, 413],
      ["another user's character", bob, character.id, small, 404],
      ['an unknown character', ann, newId(), small, 404],
      ['an id that is a path', ann, '..%2F..%2Fetc', small, 400],
    ];
    for (const [what, client, id, bytes, status] of cases) {
      const reply = await client.put(`/api/characters/${id}/avatar`, form(bytes, 'a.png'));
      assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
    }
    assert.equal((await ann.get(`/api/characters/${character.id}`)).body.avatarUrl, null);
  });
});

describe('duplicate', () => {
  test("a copy has the same card and picture, no chats, and no persona lock; the original's chats stay its own", async () => {
    const server = await serve();
    const client = await signedIn(server);
    const original = (await importCard(client, SERAPHINA, 'default_Seraphina.png')).body;
    await client.post('/api/chats', { characterId: original.id });
    const persona = (await client.post('/api/personas', { id: newId(), name: 'Ann' })).body;
    await client.put(`/api/characters/${original.id}/persona`, { personaId: persona.id });
    const copy = await client.post(`/api/characters/${original.id}/duplicate`);
    assert.equal(copy.status, 201);
    assert.notEqual(copy.body.id, original.id);
    assert.equal(copy.body.personaId, null);
    assert.deepEqual(copy.body.card, (await client.get(`/api/characters/${original.id}`)).body.card);
    assert.equal(copy.body.avatarUrl.split('?')[1], original.avatarUrl.split('?')[1], 'the same picture');
    const rows = await list(client);
    assert.deepEqual(
      rows.map((c) => [c.id === original.id ? 'original' : 'copy', c.chatCount]).sort(),
      [
        ['copy', 0],
        ['original', 1],
      ],
    );
    // Deleting the original leaves the copy's picture in place (images are shared by content).
    assert.equal((await client.delete(`/api/characters/${original.id}`)).status, 204);
    assert.equal((await bytesOf(server, client, copy.body.avatarUrl)).status, 200);
    assert.equal((await client.post(`/api/characters/${original.id}/duplicate`)).status, 404);
  });
});

describe('importing a card that is already in the library', () => {
  test('ask: a 409 naming the match, nothing stored; keep: both; replace: the card and picture change, chats stay', async () => {
    const server = await serve();
    const client = await signedIn(server);
    const first = await importCard(client, SERAPHINA, 'default_Seraphina.png', '?ifExists=ask');
    assert.equal(first.status, 201, 'nothing to ask about the first time');
    const chat = (await client.post('/api/chats', { characterId: first.body.id })).body;

    const asked = await importCard(client, SERAPHINA, 'default_Seraphina.png', '?ifExists=ask');
    assert.equal(asked.status, 409);
    assert.equal(asked.body.error, 'conflict');
    assert.equal(asked.body.details.reason, 'already_in_library');
    assert.deepEqual(asked.body.details.existing.map((c: { id: string; name: string }) => [c.id, c.name]), [[first.body.id, 'Seraphina']]);
    assert.equal((await list(client)).length, 1, 'the asked import stored nothing');

    // Names match whatever their case and surrounding spaces.
    const renamed = makeCard({ name: '  seraphina ', description: 'A newer version.' });
    const askedJson = await importCard(client, JSON.stringify(renamed), 'new.json', '?ifExists=ask');
    assert.equal(askedJson.status, 409);

    const replaced = await importCard(client, JSON.stringify(renamed), 'new.json', `?replace=${first.body.id}`);
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.id, first.body.id);
    const now = (await client.get(`/api/characters/${first.body.id}`)).body;
    assert.equal(now.card.data.description, 'A newer version.');
    assert.equal(now.avatarUrl, first.body.avatarUrl, 'a .json card keeps the picture it replaces');
    assert.equal((await client.get(`/api/chats?characterId=${first.body.id}`)).body[0].id, chat.id);

    const kept = await importCard(client, SERAPHINA, 'default_Seraphina.png', '?ifExists=keep');
    assert.equal(kept.status, 201);
    const plain = await importCard(client, SERAPHINA, 'default_Seraphina.png');
    assert.equal(plain.status, 201, 'without ifExists the import adds, as it always has');
    assert.equal((await list(client)).length, 3);

    for (const query of ['?ifExists=maybe', '?replace=..%2Fx', `?replace=${newId()}`]) {
      const refused = await importCard(client, SERAPHINA, 'default_Seraphina.png', query);
      assert.ok([400, 404].includes(refused.status), `${query}: ${refused.status}`);
    }
    assert.equal((await list(client)).length, 3);
  });

  test("replace cannot reach another user's character", async () => {
    const server = await serve({ enableUserAccounts: true });
    await addUser(server, { handle: 'ann', password: 'password-ann' });
    await addUser(server, { handle: 'bob', password: 'password-bob' });
    const ann = new TestClient(server.url);
    await ann.login('ann', 'password-ann');
    const bob = new TestClient(server.url);
    await bob.login('bob', 'password-bob');
    const annCard = (await importCard(ann, SERAPHINA, 's.png')).body;
    const refused = await importCard(bob, JSON.stringify(makeCard({ name: 'Mallory' })), 'm.json', `?replace=${annCard.id}`);
    assert.equal(refused.status, 404);
    assert.equal((await ann.get(`/api/characters/${annCard.id}`)).body.card.data.name, 'Seraphina');
    assert.equal((await bob.get('/api/characters')).body.length, 0);
  });
});

describe('the library list: favourites and what sorting needs', () => {
  test('a favourite is written where SillyTavern keeps it, read from imported cards, and exported', async () => {
    const server = await serve();
    const client = await signedIn(server);
    const { body } = await client.post('/api/characters', { card: makeCard({ name: 'Nova' }) });
    assert.equal((await list(client))[0]!.favourite, false);
    const marked = await client.put(`/api/characters/${body.id}/favourite`, { favourite: true });
    assert.equal(marked.status, 200);
    assert.equal(marked.body.card.data.extensions.fav, true);
    assert.deepEqual(marked.body.card.data.extensions.custom_key, { kept: true }, 'other extensions stay');
    assert.equal((await list(client))[0]!.favourite, true);
    const exported = await bytesOf(server, client, `/api/characters/${body.id}/export?format=png`);
    assert.equal(readCardFile(exported.bytes).card.data.extensions?.fav, true);
    await client.put(`/api/characters/${body.id}/favourite`, { favourite: false });
    assert.equal((await list(client))[0]!.favourite, false);
    assert.equal((await client.put(`/api/characters/${body.id}/favourite`, { favourite: 'yes' })).status, 400);

    // SillyTavern's own marks: true, or "true" in older files; a V1 card's top-level fav.
    const cases: [unknown, boolean][] = [
      [true, true],
      ['true', true],
      [false, false],
      ['false', false],
      [1, false],
    ];
    for (const [fav, expected] of cases) {
      const name = `Fav ${JSON.stringify(fav)}`;
      await importCard(client, JSON.stringify(makeCard({ name, extensions: { fav } })), 'c.json');
      const row = (await list(client)).find((c) => c.name === name)!;
      assert.equal(row.favourite, expected, name);
    }
    const v1 = { name: 'Old', description: '', personality: '', scenario: '', first_mes: 'hi', mes_example: '', fav: true };
    await importCard(client, JSON.stringify(v1), 'old.json');
    assert.equal((await list(client)).find((c) => c.name === 'Old')?.favourite, true);
  });

  test('each character says when it was added and which chat changed last, and when', async () => {
    const clock = new ManualClock(Date.parse('2025-03-01T10:00:00Z'));
    const server = await serve({}, { clock });
    const client = await signedIn(server);
    const a = (await client.post('/api/characters', { card: makeCard({ name: 'Ada' }) })).body;
    clock.advance(60_000);
    const b = (await client.post('/api/characters', { card: makeCard({ name: 'Bo' }) })).body;
    clock.advance(60_000);
    const older = (await client.post('/api/chats', { characterId: a.id })).body;
    clock.advance(60_000);
    const newer = (await client.post('/api/chats', { characterId: a.id })).body;
    clock.advance(60_000);
    await client.post(`/api/chats/${older.id}/ops`, { ops: [{ opId: newId(), type: 'setTitle', title: 'touched last' }] });
    const rows = await list(client);
    const ada = rows.find((c) => c.id === a.id)!;
    const bo = rows.find((c) => c.id === b.id)!;
    assert.deepEqual(
      [ada.createdAt, ada.latestChatId, ada.lastChatAt],
      ['2025-03-01T10:00:00.000Z', older.id, '2025-03-01T10:04:00.000Z'],
    );
    assert.notEqual(ada.latestChatId, newer.id);
    assert.deepEqual([bo.createdAt, bo.latestChatId, bo.lastChatAt], ['2025-03-01T10:01:00.000Z', null, null]);
  });
});

describe('exporting chosen cards', () => {
  test('one zip of PNG cards in the order asked, names made unique; a missing or foreign id is a 404 before any byte', async () => {
    const server = await serve({ enableUserAccounts: true });
    await addUser(server, { handle: 'ann', password: 'password-ann' });
    await addUser(server, { handle: 'bob', password: 'password-bob' });
    const ann = new TestClient(server.url);
    await ann.login('ann', 'password-ann');
    const bob = new TestClient(server.url);
    await bob.login('bob', 'password-bob');
    const made = [];
    for (const name of ['Nova', 'Vex', 'nova', 'a/../b']) made.push((await ann.post('/api/characters', { card: makeCard({ name, description: `I am ${name}.` }) })).body as { id: string });
    const { body: bobs } = await bob.post('/api/characters', { card: makeCard({ name: 'Bobs' }) });

    const post = (client: TestClient, body: unknown) =>
      fetch(`${server.url}/api/library/export`, {
        method: 'POST',
        headers: { cookie: client.cookieHeader, 'content-type': 'application/json', 'x-csrf-token': client.csrfToken! },
        body: JSON.stringify(body),
      });
    const response = await post(ann, { characterIds: [made[3]!.id, made[0]!.id, made[1]!.id, made[2]!.id, made[0]!.id] });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="parley-cards-\d{4}-\d{2}-\d{2}\.zip"/);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    assert.deepEqual(Object.keys(files), ['a_._b.png', 'Nova.png', 'Vex.png', 'nova (2).png']);
    assert.equal(readCardFile(files['nova (2).png']!).card.data.description, 'I am nova.');
    assert.equal(readCardFile(files['a_._b.png']!).card.data.name, 'a/../b');

    const cases: [string, TestClient, unknown, number][] = [
      ["another user's card among mine", ann, { characterIds: [made[0]!.id, bobs.id] }, 404],
      ['an unknown id', ann, { characterIds: [newId()] }, 404],
      ['no ids', ann, { characterIds: [] }, 400],
      ['too many ids', ann, { characterIds: Array.from({ length: 1001 }, () => newId()) }, 400],
      ['an id that is a path', ann, { characterIds: ['../../etc/passwd'] }, 400],
    ];
    for (const [label, client, body, status] of cases) {
      const refused = await post(client, body);
      assert.equal(refused.status, status, label);
      assert.equal(refused.headers.get('content-type')?.startsWith('application/json'), true, label);
    }
  });
});
