import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CardFormatError } from '../../../src/server/formats/card-format-error.js';
import { ChatFormatError } from '../../../src/server/formats/chat-format-error.js';
import { defaultAvatarPng } from '../../../src/server/formats/default-avatar.js';
import { parseSillyTavernChat } from '../../../src/server/formats/parse-sillytavern-chat.js';
import { encodePng, makeTextChunk, readPngChunks } from '../../../src/server/formats/png-chunks.js';
import { readWorldFile, WorldFormatError } from '../../../src/server/formats/world-file.js';
import { cardUpload } from '../../../src/server/services/characters.js';
import { makeCard } from '../../support/fixtures.js';
import { fuzzParameters, hostileJson, hostileText, mutateAt } from '../../support/fuzz.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';

/**
 * Issue 8 item 10: the card, chat and world-info importers take hostile files. Each either reads the file or refuses
 * it with its own format error, never anything else; over HTTP, never a 5xx, and a refused import stores nothing.
 */

const chatHeader = { user_name: 'User', character_name: 'Seraphina', create_date: '2024-09-28@01h02m03s', chat_metadata: { note: 'n' } };
const chatLine = { name: 'Seraphina', is_user: false, send_date: 'September 28, 2024 1:02am', mes: 'Hello', swipes: ['Hello', 'Hi'], swipe_id: 0, extra: { model: 'x' } };
const worldFile = { entries: { '0': { uid: 0, key: ['k'], keysecondary: [], content: 'c', comment: '', order: 100, position: 0, disable: false } } };

/** A JSON document: a valid one with one value replaced, or anything at all. */
const mutated = (valid: unknown) =>
  fc.oneof(fc.tuple(fc.nat(), hostileJson).map(([pick, value]) => mutateAt(valid, pick, value)), hostileJson, fc.constant(valid));

/** A JSONL chat: a header and lines, each valid, mutated, garbage or cut short. */
const chatFile = fc
  .tuple(
    mutated(chatHeader),
    fc.array(fc.oneof(mutated(chatLine).map((l) => JSON.stringify(l)), hostileText, mutated(chatLine).map((l) => (JSON.stringify(l) ?? '').slice(0, -3))), { maxLength: 8 }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([head, lines, eol, bom]) => `${bom ? '\uFEFF' : ''}${[JSON.stringify(head) ?? '', ...lines].join(eol)}`);

const encoder = new TextEncoder();

describe('fuzz: importers', () => {
  let avatar: Uint8Array;
  before(async () => {
    avatar = await defaultAvatarPng();
  });

  test('a card file is read or refused with a card format error', { timeout: 300_000 }, async () => {
    const chunks = readPngChunks(avatar);
    const cardBytes = fc.oneof(
      mutated(makeCard()).map((card) => encoder.encode(JSON.stringify(card) ?? '')),
      // A PNG whose chara chunk holds a mutated card, or text that is not base64 JSON.
      fc.tuple(mutated(makeCard()), fc.boolean(), hostileText).map(([card, valid, junk]) =>
        encodePng([
          chunks[0]!,
          makeTextChunk('chara', valid ? Buffer.from(JSON.stringify(card) ?? '').toString('base64') : junk),
          ...chunks.slice(1),
        ]),
      ),
      fc.uint8Array({ maxLength: 300 }),
      // A real PNG cut anywhere.
      fc.nat().map((n) => avatar.slice(0, n % avatar.length)),
    );
    await fc.assert(
      fc.asyncProperty(cardBytes, fc.constantFrom('card.png', 'card.json', 'card', 'x.webp'), async (bytes, fileName) => {
        try {
          await cardUpload(bytes, { fileName });
        } catch (error) {
          if (!(error instanceof CardFormatError)) throw error;
        }
      }),
      fuzzParameters(0.15),
    );
  });

  test('a JSONL chat is read to its end or refused with a chat format error', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(chatFile, fc.integer({ min: 1, max: 4 }), async (text, chunkSize) => {
        const bytes = encoder.encode(text);
        // Chunks that cut characters and lines anywhere.
        const pieces = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.slice(i * chunkSize, (i + 1) * chunkSize));
        try {
          const reader = await parseSillyTavernChat(pieces, { batchSize: 3 });
          for await (const batch of reader.batches) assert.ok(batch.length <= 3);
        } catch (error) {
          if (!(error instanceof ChatFormatError)) throw error;
        }
      }),
      fuzzParameters(0.15),
    );
  });

  test('a world-info file is read or refused with a world format error', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.property(mutated(worldFile), (file) => {
        try {
          readWorldFile(JSON.stringify(file) ?? '');
        } catch (error) {
          if (!(error instanceof WorldFormatError)) throw error;
        }
      }),
      fuzzParameters(0.1),
    );
  });
});

describe('fuzz: uploads over HTTP', () => {
  let server: TestServer;
  let client: TestClient;
  let characterId: string;
  before(async () => {
    server = await startTestServer({ config: { logLevel: 'fatal' } });
    client = new TestClient(server.url);
    await client.session();
    characterId = (await client.post('/api/characters', { card: makeCard() })).body.id;
  });
  after(() => server.close());

  const counts = async () => {
    const count = async (table: 'chats' | 'messages' | 'characters') =>
      Number((await server.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { chats: await count('chats'), messages: await count('messages'), characters: await count('characters') };
  };
  const upload = (path: string, text: string, name: string) => {
    const form = new FormData();
    form.append('file', new Blob([text]), name);
    return client.post(path, form);
  };

  test('a chat import: never a 5xx; a refused one stores nothing; an accepted one is whole', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(chatFile, async (text) => {
        const before = await counts();
        const reply = await upload(`/api/chats/import?characterId=${characterId}`, text, 'chat.jsonl');
        assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)}`);
        const now = await counts();
        if (reply.status >= 400) assert.deepEqual(now, before, 'a refused import stores nothing');
        else {
          const chat = (await client.get(`/api/chats/${reply.body.id}`)).body;
          assert.equal(chat.messageCount, reply.body.imported);
          assert.equal(now.messages - before.messages, reply.body.imported, 'an accepted import is whole');
        }
      }),
      fuzzParameters(0.02),
    );
  });

  test('a card import: never a 5xx; a refused one stores nothing', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(mutated(makeCard()), fc.constantFrom('card.json', 'card.png'), async (card, name) => {
        const before = await counts();
        const reply = await upload('/api/characters/import', JSON.stringify(card) ?? '', name);
        assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)}`);
        if (reply.status >= 400) assert.deepEqual(await counts(), before, 'a refused import stores nothing');
      }),
      fuzzParameters(0.02),
    );
  });
});
