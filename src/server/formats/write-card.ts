import type { Card } from '../../shared/api/characters.js';
import { encodePng, makeTextChunk, readPngChunks, readTextChunk } from './png-chunks.js';

const CARD_KEYWORDS = new Set(['chara', 'ccv3']);

/**
 * The card as SillyTavern writes it: `data` plus the V1 fields mirrored at the top level for old readers, and
 * the card's other top-level keys as they were.
 */
function withV1Mirrors(card: Card, spec: string, specVersion: string): Record<string, unknown> {
  const { data, spec: _spec, spec_version: _version, ...extras } = card;
  const extensions = data.extensions ?? {};
  return {
    ...extras,
    name: data.name,
    description: data.description,
    personality: data.personality,
    scenario: data.scenario,
    first_mes: data.first_mes,
    mes_example: data.mes_example,
    creatorcomment: data.creator_notes ?? '',
    tags: data.tags ?? [],
    ...('talkativeness' in extensions && { talkativeness: extensions.talkativeness }),
    ...('fav' in extensions && { fav: extensions.fav }),
    spec,
    spec_version: specVersion,
    data,
  };
}

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

/**
 * Writes the card into a PNG: old `chara`/`ccv3` chunks are removed, then `chara` (V2) and `ccv3` (the same card
 * labelled V3) go before IEND. Every other chunk is copied byte for byte. The JSON is base64 because tEXt is
 * Latin-1 and a card is UTF-8. Throws CardFormatError when `image` is not a sound PNG.
 */
export function writeCardPng(image: Uint8Array, card: Card): Uint8Array {
  const kept = readPngChunks(image).filter(
    (chunk) => chunk.type !== 'tEXt' || !CARD_KEYWORDS.has(readTextChunk(chunk).keyword.toLowerCase()),
  );
  const iend = kept.pop()!; // readPngChunks guarantees IEND is last
  return encodePng([
    ...kept,
    makeTextChunk('chara', base64Json(withV1Mirrors(card, 'chara_card_v2', '2.0'))),
    makeTextChunk('ccv3', base64Json(withV1Mirrors(card, 'chara_card_v3', '3.0'))),
    iend,
  ]);
}

/** The card as a JSON file, in its own spec, with SillyTavern's top-level V1 mirror fields. */
export function writeCardJson(card: Card): string {
  return JSON.stringify(withV1Mirrors(card, card.spec, card.spec_version));
}
