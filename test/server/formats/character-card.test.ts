import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { CardFormatError, type CardErrorReason } from '../../../src/server/formats/card-format-error.js';
import { makeThumbnail, THUMBNAIL_SIZE } from '../../../src/server/formats/make-thumbnail.js';
import { CARD_LIMITS } from '../../../src/server/formats/normalize-card.js';
import { encodePng, makeTextChunk, readPngChunks, readTextChunk } from '../../../src/server/formats/png-chunks.js';
import { readCardFile } from '../../../src/server/formats/read-card-file.js';
import { writeCardJson, writeCardPng } from '../../../src/server/formats/write-card.js';

const SERAPHINA = new Uint8Array(readFileSync(new URL('../../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url)));

/** An independent CRC-32 (bitwise, no table) so the CRC check does not trust the code under test. */
function referenceCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Walks a PNG by hand, independent of readPngChunks: every chunk with whether its stored CRC is right. */
function walkPng(png: Uint8Array): { type: string; data: Uint8Array; crcOk: boolean }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = [];
  for (let offset = 8; offset < png.length; ) {
    const length = view.getUint32(offset);
    const type = Buffer.from(png.subarray(offset + 4, offset + 8)).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crcOk = referenceCrc32(png.subarray(offset + 4, offset + 8 + length)) === view.getUint32(offset + 8 + length);
    out.push({ type, data, crcOk });
    offset += 12 + length;
  }
  return out;
}

function textChunks(png: Uint8Array): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const chunk of readPngChunks(png).filter((c) => c.type === 'tEXt')) {
    const { keyword, text } = readTextChunk(chunk);
    assert.ok(!found.has(keyword), `one ${keyword} chunk only`);
    found.set(keyword, JSON.parse(Buffer.from(text, 'base64').toString('utf8')));
  }
  return found;
}

/** Seraphina's image with its card chunks replaced by the given tEXt chunks. */
function pngWithTexts(texts: [keyword: string, text: string][]): Uint8Array {
  const chunks = readPngChunks(SERAPHINA).filter((c) => c.type !== 'tEXt');
  const iend = chunks.pop()!;
  return encodePng([...chunks, ...texts.map(([k, t]) => makeTextChunk(k, t)), iend]);
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function assertRefused(reason: CardErrorReason, action: () => unknown): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof CardFormatError, `expected CardFormatError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

/** A V2 card with unknown keys at every level a card has. */
function richV2Card() {
  return {
    spec: 'chara_card_v2',
    spec_version: '2.0',
    top_level_unknown: { nested: [1, 'two', null] },
    data: {
      name: 'Ünïcødé 猫 🐱',
      description: 'Line one\nLine two — “quoted”',
      personality: 'calm',
      scenario: 'a café',
      first_mes: 'Hello, {{user}}!',
      mes_example: '<START>\n{{char}}: hi',
      creator_notes: 'notes',
      system_prompt: 'sys',
      post_history_instructions: 'phi',
      alternate_greetings: ['Hi!', 'Hey 👋'],
      tags: ['fantasy', 'café'],
      creator: 'someone',
      character_version: '1.2',
      data_unknown: 42,
      extensions: {
        talkativeness: '0.5',
        fav: true,
        world: 'Eldoria',
        depth_prompt: { prompt: 'dp', depth: 4, role: 'system' },
        some_extension: { deeply: { nested: { value: [true, false] } } },
      },
      character_book: {
        name: 'Book',
        scan_depth: 3,
        book_unknown: 'kept',
        extensions: { book_ext: 1 },
        entries: [
          {
            keys: ['forest', 'wood'],
            content: 'The forest is old.',
            extensions: { position: 0, probability: null, entry_ext: 'x' },
            enabled: true,
            insertion_order: 100,
            position: 'before_char',
            entry_unknown: [1, 2, 3],
          },
        ],
      },
    },
  };
}

describe('character cards: the Seraphina PNG', () => {
  it('reads the V2 card from the chara chunk, keeping lorebook, extensions and extra top-level keys', () => {
    const { card, image, sourceSpec, chunk } = readCardFile(SERAPHINA, { fileName: 'default_Seraphina.png' });
    assert.equal(sourceSpec, 'v2');
    assert.equal(chunk, 'chara');
    assert.equal(image, SERAPHINA);
    assert.equal(card.spec, 'chara_card_v2');
    assert.equal(card.data.name, 'Seraphina');
    assert.equal(card.data.creator, 'OtisAlejandro');
    assert.deepEqual(card.data.extensions, { talkativeness: '0.5', fav: false, world: 'Eldoria' });
    const book = card.data.character_book as { name: string; entries: { keys: string[] }[] };
    assert.equal(book.name, 'Eldoria');
    assert.equal(book.entries.length, 4);
    assert.deepEqual(book.entries[1]!.keys, ['shadowfang', 'beast', 'monster', 'monsters', 'beasts']);
    // SillyTavern's own top-level keys survive; the V1 mirrors are rebuilt from data on write instead.
    assert.equal(card.avatar, 'none');
    assert.equal(card.create_date, '2023-5-12 @21h 32m 29s 228ms');
    assert.equal(card.chat, 'Seraphina - 2023-5-12 @21h 32m 29s 224ms');
    assert.ok(!('name' in card) && !('creatorcomment' in card) && !('talkativeness' in card));
  });

  it('round-trips through writeCardPng: same card, identical image chunks, valid CRCs, chara and ccv3', () => {
    const first = readCardFile(SERAPHINA);
    const written = writeCardPng(SERAPHINA, first.card);

    const before = walkPng(SERAPHINA);
    const after = walkPng(written);
    assert.ok(after.every((c) => c.crcOk), 'every chunk CRC is valid');
    assert.deepEqual(
      after.map((c) => c.type),
      ['IHDR', 'IDAT', 'tEXt', 'tEXt', 'IEND'],
    );
    for (const type of ['IHDR', 'IDAT']) {
      assert.ok(
        Buffer.from(before.find((c) => c.type === type)!.data).equals(after.find((c) => c.type === type)!.data),
        `${type} bytes identical`,
      );
    }

    const texts = textChunks(written);
    const chara = texts.get('chara') as Record<string, unknown>;
    const ccv3 = texts.get('ccv3') as Record<string, unknown>;
    assert.equal(chara.spec, 'chara_card_v2');
    assert.equal(chara.spec_version, '2.0');
    assert.equal(ccv3.spec, 'chara_card_v3');
    assert.equal(ccv3.spec_version, '3.0');
    assert.deepEqual(ccv3.data, chara.data);
    // The V1 mirrors SillyTavern writes for old readers.
    assert.equal(chara.name, 'Seraphina');
    assert.equal(chara.creatorcomment, 'ST Default Bot contest winner: roleplay bots category');
    assert.equal(chara.talkativeness, '0.5');
    assert.equal(chara.fav, false);
    assert.equal(chara.first_mes, first.card.data.first_mes);

    const second = readCardFile(written);
    assert.equal(second.chunk, 'ccv3');
    assert.equal(second.sourceSpec, 'v3');
    const { spec: _a, spec_version: _b, ...firstRest } = first.card;
    const { spec: _c, spec_version: _d, ...secondRest } = second.card;
    assert.deepEqual(secondRest, firstRest);

    // Writing again replaces the card chunks instead of adding more, and is stable.
    const again = writeCardPng(written, second.card);
    assert.deepEqual(
      walkPng(again).map((c) => c.type),
      ['IHDR', 'IDAT', 'tEXt', 'tEXt', 'IEND'],
    );
    assert.deepEqual(readCardFile(again).card, second.card);
  });

  it('the written PNG still decodes as the same image', async () => {
    const written = writeCardPng(SERAPHINA, readCardFile(SERAPHINA).card);
    const [a, b] = await Promise.all([sharp(SERAPHINA).raw().toBuffer(), sharp(written).raw().toBuffer()]);
    assert.ok(a.equals(b));
  });

  it('ccv3 wins over chara when both are present and differ; keywords match case-insensitively', () => {
    const v2 = { spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'From chara' } };
    const v3 = { spec: 'chara_card_v3', spec_version: '3.0', data: { name: 'From ccv3', group_only_greetings: ['g'] } };
    const both = readCardFile(pngWithTexts([['Chara', b64(v2)], ['CCV3', b64(v3)]]));
    assert.equal(both.card.data.name, 'From ccv3');
    assert.equal(both.sourceSpec, 'v3');
    assert.deepEqual(both.card.data.group_only_greetings, ['g']);
    assert.equal(readCardFile(pngWithTexts([['chara', b64(v2)]])).card.data.name, 'From chara');
  });

  it('keeps UTF-8 text and unknown keys at every level through PNG and JSON', () => {
    const source = richV2Card();
    const viaPng = readCardFile(pngWithTexts([['chara', b64(source)]]));
    assert.deepEqual(viaPng.card, source);
    const rewritten = readCardFile(writeCardPng(SERAPHINA, viaPng.card));
    assert.deepEqual(rewritten.card.data, source.data);
    assert.deepEqual(rewritten.card.top_level_unknown, source.top_level_unknown);
    const viaJson = readCardFile(new TextEncoder().encode(writeCardJson(viaPng.card)));
    assert.deepEqual(viaJson.card, source);
  });
});

describe('character cards: JSON files', () => {
  it('lifts a V1 card to V2, keeping its extra top-level keys', () => {
    const v1 = {
      name: 'Old Timer',
      description: 'desc',
      personality: 'p',
      scenario: 's',
      first_mes: 'hi',
      mes_example: 'ex',
      creatorcomment: 'made long ago',
      talkativeness: '0.7',
      fav: true,
      tags: 'one, two ,,three',
      create_date: '2023-1-2 @10h 00m 00s 000ms',
      avatar: 'none',
      chat: 'Old Timer - 2023-1-2',
      custom_v1_key: { a: 1 },
    };
    const { card, sourceSpec, image } = readCardFile(jsonBytes(v1), { fileName: 'old.json' });
    assert.equal(sourceSpec, 'v1');
    assert.equal(image, null);
    assert.deepEqual(card, {
      spec: 'chara_card_v2',
      spec_version: '2.0',
      create_date: '2023-1-2 @10h 00m 00s 000ms',
      avatar: 'none',
      chat: 'Old Timer - 2023-1-2',
      custom_v1_key: { a: 1 },
      data: {
        name: 'Old Timer',
        description: 'desc',
        personality: 'p',
        scenario: 's',
        first_mes: 'hi',
        mes_example: 'ex',
        creator_notes: 'made long ago',
        tags: ['one', 'two', 'three'],
        extensions: { talkativeness: '0.7', fav: true },
      },
    });
    const exported = JSON.parse(writeCardJson(card)) as Record<string, unknown>;
    assert.equal(exported.name, 'Old Timer');
    assert.equal(exported.creatorcomment, 'made long ago');
    assert.deepEqual(readCardFile(jsonBytes(exported)).card, card);
  });

  it('reads V2 with a BOM and V3 keeping its own fields and spec', () => {
    const v2 = richV2Card();
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...jsonBytes(v2)]);
    assert.deepEqual(readCardFile(withBom).card, v2);

    const v3 = {
      spec: 'chara_card_v3',
      spec_version: '3.0',
      data: {
        ...v2.data,
        nickname: 'Nick',
        group_only_greetings: ['group hi'],
        assets: [{ type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' }],
        creator_notes_multilingual: { fr: 'notes' },
        source: ['https://example.invalid/card'],
        creation_date: 1700000000,
        modification_date: 1700000001,
      },
    };
    const read = readCardFile(jsonBytes(v3), { mimeType: 'application/json' });
    assert.equal(read.sourceSpec, 'v3');
    assert.deepEqual(read.card, v3);
    assert.deepEqual(readCardFile(new TextEncoder().encode(writeCardJson(read.card))).card, v3);
  });

  it('fills the V2 text fields a sparse card leaves out', () => {
    const { card } = readCardFile(jsonBytes({ spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'Min' } }));
    assert.equal(card.data.description, '');
    assert.equal(card.data.first_mes, '');
  });
});

describe('character cards: bad input gets a typed error', () => {
  const v2 = (data: Record<string, unknown>) => ({ spec: 'chara_card_v2', spec_version: '2.0', data });

  it('refuses what is not a PNG or is a broken one', () => {
    assertRefused('not_png', () => readCardFile(new TextEncoder().encode('GIF89a....'), { fileName: 'x.png' }));
    assertRefused('not_a_card', () => readCardFile(new TextEncoder().encode('GIF89a....')));
    assertRefused('truncated_png', () => readCardFile(SERAPHINA.subarray(0, 5)));
    assertRefused('truncated_png', () => readCardFile(SERAPHINA.subarray(0, SERAPHINA.length / 2)));
    assertRefused('truncated_png', () => readCardFile(SERAPHINA.subarray(0, SERAPHINA.length - 12)));
    const corrupt = SERAPHINA.slice();
    corrupt[1000] = corrupt[1000]! ^ 0xff;
    assertRefused('bad_crc', () => readCardFile(corrupt));
    const badType = SERAPHINA.slice();
    badType.set([0x31, 0x32, 0x33, 0x34], 8 + 4); // IHDR -> "1234"
    assertRefused('malformed_png', () => readCardFile(badType));
    assertRefused('no_card_chunk', () => readCardFile(pngWithTexts([['Comment', 'just a picture']])));
  });

  it('refuses broken card chunks', () => {
    assertRefused('invalid_base64', () => readCardFile(pngWithTexts([['chara', '@@not base64@@']])));
    assertRefused('invalid_json', () => readCardFile(pngWithTexts([['chara', b64('{"name": "cut')]])));
    const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64');
    assertRefused('invalid_utf8', () => readCardFile(pngWithTexts([['chara', notUtf8]])));
    // A broken ccv3 is reported even when chara is fine: ccv3 wins.
    assertRefused('invalid_json', () =>
      readCardFile(pngWithTexts([['chara', b64(v2({ name: 'ok' }))], ['ccv3', b64('nope')]])),
    );
  });

  it('refuses JSON that is not a card or lacks a name', () => {
    assertRefused('invalid_json', () => readCardFile(new TextEncoder().encode('{"name": '), { fileName: 'a.json' }));
    assertRefused('not_a_card', () => readCardFile(jsonBytes([1, 2, 3]), { fileName: 'a.json' }));
    assertRefused('not_a_card', () => readCardFile(jsonBytes({ spec: 'chara_card_v9', data: { name: 'x' } })));
    assertRefused('not_a_card', () => readCardFile(jsonBytes({ hello: 'world' })));
    assertRefused('missing_name', () => readCardFile(jsonBytes(v2({ description: 'no name' }))));
    assertRefused('missing_name', () => readCardFile(jsonBytes(v2({ name: '   ' }))));
    assertRefused('missing_name', () => readCardFile(jsonBytes({ description: 'V1 without a name' })));
    assertRefused('invalid_field', () => readCardFile(jsonBytes(v2({ name: 'x', tags: 'not a list' }))));
    assertRefused('invalid_field', () => readCardFile(jsonBytes(v2({ name: 'x', description: 7 }))));
  });

  it('refuses NUL characters, oversized fields, oversized cards and absurd nesting', () => {
    assertRefused('nul_character', () => readCardFile(jsonBytes(v2({ name: 'Sera\u0000phina' }))));
    assertRefused('nul_character', () =>
      readCardFile(pngWithTexts([['chara', b64(v2({ name: 'x', extensions: { a: 'b\u0000' } }))]])),
    );
    assertRefused('field_too_large', () => readCardFile(jsonBytes(v2({ name: 'n'.repeat(CARD_LIMITS.maxNameChars + 1) }))));
    const big = 'x'.repeat(CARD_LIMITS.maxStringChars + 1);
    assertRefused('field_too_large', () => readCardFile(jsonBytes(v2({ name: 'x', description: big }))));
    const lorebook = { entries: [{ keys: ['k'], content: big }] };
    assertRefused('field_too_large', () => readCardFile(jsonBytes(v2({ name: 'x', character_book: lorebook }))));
    // Many fields under the per-field limit that add up past the card limit.
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, 'y'.repeat(900_000)]));
    assertRefused('card_too_large', () => readCardFile(jsonBytes(v2({ name: 'x', extensions: many }))));
    assertRefused('card_too_large', () => readCardFile(pngWithTexts([['chara', b64(v2({ name: 'x', extensions: many }))]])));
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = { d: deep };
    assertRefused('too_deep', () => readCardFile(jsonBytes(v2({ name: 'x', extensions: { deep } }))));
  });

  it('writeCardPng refuses an image that is not a sound PNG', () => {
    const { card } = readCardFile(SERAPHINA);
    assertRefused('not_png', () => writeCardPng(new TextEncoder().encode('nope'), card));
    assertRefused('truncated_png', () => writeCardPng(SERAPHINA.subarray(0, 100), card));
  });
});

describe('thumbnails', () => {
  it('makes a small WebP of the avatar without the card chunks', async () => {
    const thumb = await makeThumbnail(SERAPHINA);
    assert.equal(thumb.resized, true);
    assert.equal(thumb.mimeType, 'image/webp');
    const meta = await sharp(thumb.data).metadata();
    assert.equal(meta.format, 'webp');
    assert.ok(meta.width! <= THUMBNAIL_SIZE.width && meta.height! <= THUMBNAIL_SIZE.height);
    assert.ok(meta.width === THUMBNAIL_SIZE.width || meta.height === THUMBNAIL_SIZE.height, 'fills one side');
    assert.ok(thumb.data.length < SERAPHINA.length / 5, `thumbnail is ${thumb.data.length} bytes`);
    assert.ok(!Buffer.from(thumb.data).includes('chara'), 'no card text in the thumbnail');
  });

  it('returns the original when the image cannot be decoded', async () => {
    const broken = new TextEncoder().encode('definitely not an image');
    const thumb = await makeThumbnail(broken);
    assert.equal(thumb.resized, false);
    assert.equal(thumb.data, broken);
  });
});
