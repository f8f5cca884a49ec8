import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { encodePng, makeTextChunk, readPngChunks } from '../../src/server/formats/png-chunks.js';
import { readCardFile } from '../../src/server/formats/read-card-file.js';
import { makeCard } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SERAPHINA = readFileSync(new URL('../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url));

let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer({ config: { limits: { cardUploadMb: 1 } } });
  client = new TestClient(server.url);
  await client.session();
});
after(() => server.close());

function upload(bytes: Uint8Array, fileName = 'card.png', type = 'image/png') {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(bytes)], { type }), fileName);
  return client.post('/api/characters/import', form);
}

async function download(path: string): Promise<{ status: number; bytes: Uint8Array; type: string; disposition: string }> {
  const response = await fetch(server.url + path, { headers: { cookie: client.cookieHeader } });
  return {
    status: response.status,
    bytes: new Uint8Array(await response.arrayBuffer()),
    type: response.headers.get('content-type') ?? '',
    disposition: response.headers.get('content-disposition') ?? '',
  };
}

const count = async () => (await client.get('/api/characters')).body.length as number;

describe('character import and export', () => {
  test('a SillyTavern PNG card imports with avatar and thumbnail, and exports losslessly', async () => {
    const reply = await upload(SERAPHINA, 'default_Seraphina.png');
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.name, 'Seraphina');
    const id = reply.body.id;
    const original = readCardFile(SERAPHINA).card;
    assert.deepEqual((await client.get(`/api/characters/${id}`)).body.card, original);

    const [summary] = (await client.get('/api/characters')).body.filter((c: { id: string }) => c.id === id);
    assert.equal(summary.chatCount, 0);
    const avatar = await download(summary.avatarUrl);
    assert.equal(avatar.type, 'image/png');
    assert.deepEqual(avatar.bytes, new Uint8Array(SERAPHINA));
    const thumbnail = await download(summary.thumbnailUrl);
    assert.equal(thumbnail.status, 200);
    assert.ok(thumbnail.bytes.length < SERAPHINA.length / 2, 'the thumbnail is smaller than the avatar');

    const png = await download(`/api/characters/${id}/export?format=png`);
    assert.equal(png.type, 'image/png');
    assert.match(png.disposition, /attachment; filename="Seraphina\.png"/);
    // The export carries chara (V2) and ccv3 (V3); ccv3 wins on read, so only the spec label may differ.
    const { spec: _spec, spec_version: _version, ...reread } = readCardFile(png.bytes).card;
    const { spec: _s, spec_version: _v, ...sent } = original;
    assert.deepEqual(reread, sent, 'PNG export reads back as the same card');
    const idat = (bytes: Uint8Array) => readPngChunks(bytes).filter((c) => c.type === 'IDAT').map((c) => Buffer.from(c.raw).toString('hex'));
    assert.deepEqual(idat(png.bytes), idat(SERAPHINA), 'image data byte for byte');

    const json = await download(`/api/characters/${id}/export?format=json`);
    assert.equal(json.type, 'application/json');
    assert.deepEqual(readCardFile(json.bytes).card, original, 'JSON export reads back as the same card');
  });

  test('a JSON card (and one created through the API) exports as a PNG on a default portrait', async () => {
    const created = await client.post('/api/characters', { card: makeCard({ name: 'Unpictured', extensions: { x: { y: [1, 2] } } }) });
    assert.equal(created.status, 201);
    assert.equal(created.body.avatarUrl, null);
    const png = await download(`/api/characters/${created.body.id}/export?format=png`);
    assert.equal(png.status, 200);
    const back = readCardFile(png.bytes).card;
    assert.equal(back.data.name, 'Unpictured');
    assert.deepEqual(back.data.extensions, { x: { y: [1, 2] } });

    const json = Buffer.from(JSON.stringify(makeCard({ name: 'From JSON' })));
    const imported = await upload(json, 'from.json', 'application/json');
    assert.equal(imported.status, 201);
    assert.equal(imported.body.name, 'From JSON');
  });

  test('update through PUT keeps unknown keys and renames in the list; delete removes it', async () => {
    const created = await client.post('/api/characters', { card: makeCard({ name: 'Before' }) });
    const card = { ...created.body.card, data: { ...created.body.card.data, name: 'After', tags: ['x'] }, extra_top: 1 };
    const put = await client.put(`/api/characters/${created.body.id}`, { card });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.card, card);
    const listed = (await client.get('/api/characters')).body.find((c: { id: string }) => c.id === created.body.id);
    assert.equal(listed.name, 'After');
    assert.deepEqual(listed.tags, ['x']);
    assert.equal((await client.put(`/api/characters/${created.body.id}`, { card: { spec: 'chara_card_v2' } })).status, 400);
    assert.equal((await client.delete(`/api/characters/${created.body.id}`)).status, 204);
    assert.equal((await client.get(`/api/characters/${created.body.id}`)).status, 404);
  });

  test('every bad file gets 422 invalid_card with a reason, and nothing is stored', async () => {
    const before = await count();
    const chunks = readPngChunks(SERAPHINA);
    const withoutCard = encodePng(chunks.filter((c) => c.type !== 'tEXt'));
    const iend = chunks.at(-1)!;
    const withText = (text: string) => encodePng([...chunks.filter((c) => c.type !== 'tEXt' && c.type !== 'IEND'), makeTextChunk('chara', text), iend]);
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    const badCrc = Buffer.from(SERAPHINA);
    badCrc[33 + 20] = (badCrc[33 + 20]! + 1) % 256; // a byte inside the first chunk after IHDR
    const cases: Array<[string, Uint8Array, string]> = [
      ['not a PNG', Buffer.from('GIF89a....'), 'not_png'],
      ['truncated PNG', SERAPHINA.subarray(0, 5000), 'truncated_png'],
      ['no card chunk', withoutCard, 'no_card_chunk'],
      ['invalid base64', withText('!!!not base64!!!'), 'invalid_base64'],
      ['invalid JSON', withText(Buffer.from('{"spec": ').toString('base64')), 'invalid_json'],
      ['missing name', withText(b64({ spec: 'chara_card_v2', spec_version: '2.0', data: { description: 'x' } })), 'missing_name'],
      ['NUL in name', withText(b64(makeCard({ name: 'bad\u0000name' }))), 'nul_character'],
      ['bad CRC', badCrc, 'bad_crc'],
    ];
    for (const [what, bytes, reason] of cases) {
      const reply = await upload(bytes, '../../etc/passwd.png');
      assert.equal(reply.status, 422, `${what}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error, 'invalid_card', what);
      assert.equal(reply.body.details.reason, reason, what);
      assert.ok(reply.body.message.length > 10, what);
    }
    const tooBig = await upload(new Uint8Array(1.5 * 1024 * 1024), 'big.png');
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error, 'payload_too_large');
    const notMultipart = await client.post('/api/characters/import', { file: 'x' });
    assert.equal(notMultipart.status, 415);
    const form = new FormData();
    form.append('other', 'x');
    assert.equal((await client.post('/api/characters/import', form)).status, 400);
    assert.equal(await count(), before, 'nothing stored');
    assert.equal((await client.get('/healthz')).status, 200, 'the server stays up');
  });
});
