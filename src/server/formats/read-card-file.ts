import type { Card } from '../../shared/api/characters.js';
import { CardFormatError } from './card-format-error.js';
import { mayHoldLoneSurrogate, withWellFormedText } from './json-text.js';
import { CARD_LIMITS, normalizeCard, type CardSpec } from './normalize-card.js';
import { hasPngSignature, isTruncatedPngSignature, readPngChunks, readTextChunk } from './png-chunks.js';

/** What the upload said about itself; only used to choose the error when the bytes are neither PNG nor JSON. */
export interface CardFileHint {
  fileName?: string;
  mimeType?: string;
}

export interface CardFile {
  /** Normalised: always `{spec, spec_version, data, ...}`, unknown keys kept. */
  card: Card;
  /** The PNG as uploaded (card chunks included), or null for a JSON card. */
  image: Uint8Array | null;
  sourceSpec: CardSpec;
  /** Which tEXt chunk the card came from; null for a JSON card. */
  chunk: 'ccv3' | 'chara' | null;
  /** What was changed to store the card, for the import's answer: a lone surrogate kept as U+FFFD. */
  changed: string[];
}

/** A lone UTF-16 surrogate cannot be stored as it is: it is kept as U+FFFD and the change reported. */
function withWholeCharacters(file: Omit<CardFile, 'changed'>, json: string): CardFile {
  if (!mayHoldLoneSurrogate(json)) return { ...file, changed: [] };
  const card = withWellFormedText(file.card);
  if (JSON.stringify(card) === JSON.stringify(file.card)) return { ...file, changed: [] };
  return { ...file, card, changed: ['a lone UTF-16 surrogate (half of a character) was kept as U+FFFD'] };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJsonBytes(bytes: Uint8Array, what: string): unknown {
  if (bytes.length > CARD_LIMITS.maxJsonBytes) {
    throw new CardFormatError('card_too_large', `The ${what} is larger than ${CARD_LIMITS.maxJsonBytes} bytes.`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CardFormatError('invalid_utf8', `The ${what} is not valid UTF-8.`);
  }
  try {
    return JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    throw new CardFormatError('invalid_json', `The ${what} is not valid JSON.`);
  }
}

function decodeChunkText(keyword: string, text: string): unknown {
  // Writers differ on line breaks inside base64; anything else outside the alphabet is corruption.
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (compact.length % 4 === 1 || !BASE64.test(compact)) {
    throw new CardFormatError('invalid_base64', `The PNG chunk "${keyword}" is not valid base64.`);
  }
  if ((compact.length * 3) / 4 > CARD_LIMITS.maxJsonBytes) {
    throw new CardFormatError('card_too_large', `The card in "${keyword}" is larger than ${CARD_LIMITS.maxJsonBytes} bytes.`);
  }
  return decodeJsonBytes(Buffer.from(compact, 'base64'), `card in the PNG chunk "${keyword}"`);
}

function readPngCard(bytes: Uint8Array): CardFile {
  const texts = readPngChunks(bytes)
    .filter((chunk) => chunk.type === 'tEXt')
    .map(readTextChunk);
  // SillyTavern matches keywords case-insensitively, and a V3 chunk wins over the V2 one.
  for (const keyword of ['ccv3', 'chara'] as const) {
    const found = texts.find((t) => t.keyword.toLowerCase() === keyword);
    if (found) {
      const json = decodeChunkText(found.keyword, found.text);
      const { card, sourceSpec } = normalizeCard(json);
      return withWholeCharacters({ card, image: bytes, sourceSpec, chunk: keyword }, JSON.stringify(card));
    }
  }
  throw new CardFormatError('no_card_chunk', 'The PNG has no character card in it (no "chara" or "ccv3" chunk).');
}

function saysPng(hint: CardFileHint): boolean {
  return hint.mimeType === 'image/png' || /\.png$/i.test(hint.fileName ?? '');
}

function saysJson(hint: CardFileHint): boolean {
  return /json/i.test(hint.mimeType ?? '') || /\.json$/i.test(hint.fileName ?? '');
}

/** The first byte that is not whitespace or a BOM, to tell a JSON card from arbitrary bytes. */
function firstSignificantByte(bytes: Uint8Array): number | undefined {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

/**
 * Reads a SillyTavern character card from a PNG (tEXt `ccv3` or `chara`) or a JSON file (V1, V2 or V3).
 * The content decides the format; the hint only picks the clearer error for bytes that are neither.
 * Throws CardFormatError.
 */
export function readCardFile(bytes: Uint8Array, hint: CardFileHint = {}): CardFile {
  if (hasPngSignature(bytes) || isTruncatedPngSignature(bytes)) return readPngCard(bytes);
  if (firstSignificantByte(bytes) === 0x7b /* { */ || saysJson(hint)) {
    const { card, sourceSpec } = normalizeCard(decodeJsonBytes(bytes, 'card file'));
    return withWholeCharacters({ card, image: null, sourceSpec, chunk: null }, JSON.stringify(card));
  }
  if (saysPng(hint)) throw new CardFormatError('not_png', 'The file is not a PNG image.');
  throw new CardFormatError('not_a_card', 'The file is neither a PNG nor a JSON character card.');
}
