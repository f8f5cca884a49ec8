import { Card } from '../../shared/api/characters.js';
import { CardFormatError } from './card-format-error.js';
import { isJsonObject } from './is-json-object.js';

export type CardSpec = 'v1' | 'v2' | 'v3';

/** Bounds on what a card may hold: far above any real card, low enough that one upload cannot exhaust the server. */
export const CARD_LIMITS = {
  /** Any one string anywhere in the card (a description, a lorebook entry, an extension value). */
  maxStringChars: 1_000_000,
  /** The card's JSON as a whole, in UTF-8 bytes. */
  maxJsonBytes: 8 * 1024 * 1024,
  /** Nesting of objects and arrays; real cards stay under 10. */
  maxDepth: 64,
  maxNameChars: 500,
} as const;

/** The card fields of the V1 format; V2 keeps them under `data` and SillyTavern mirrors them at the top. */
const V1_FIELDS = ['name', 'description', 'personality', 'scenario', 'first_mes', 'mes_example'] as const;
/** Top-level keys SillyTavern derives from `data` when writing; they are rebuilt on write, never stored. */
export const MIRROR_KEYS: ReadonlySet<string> = new Set([
  ...V1_FIELDS,
  'creatorcomment',
  'tags',
  'talkativeness',
  'fav',
]);

type JsonObject = Record<string, unknown>;

function checkStructure(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') {
    if (value.length > CARD_LIMITS.maxStringChars) {
      throw new CardFormatError(
        'field_too_large',
        `${path} is longer than ${CARD_LIMITS.maxStringChars.toLocaleString('en')} characters.`,
      );
    }
    if (value.includes('\u0000')) throw new CardFormatError('nul_character', `${path} contains a NUL character.`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= CARD_LIMITS.maxDepth) {
    throw new CardFormatError('too_deep', `The card nests deeper than ${CARD_LIMITS.maxDepth} levels at ${path}.`);
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkStructure(item, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) throw new CardFormatError('nul_character', `A key in ${path} contains a NUL character.`);
    checkStructure(item, `${path}.${key}`, depth + 1);
  }
}

function liftV1(top: JsonObject): JsonObject {
  const rest: JsonObject = { ...top };
  const data: JsonObject = {};
  const extensions: JsonObject = {};
  for (const field of V1_FIELDS) {
    if (field in rest) data[field] = rest[field];
    delete rest[field];
  }
  if ('creatorcomment' in rest) data.creator_notes = rest.creatorcomment;
  // SillyTavern's V1 files sometimes hold tags as one comma-separated string.
  if (typeof rest.tags === 'string') {
    data.tags = rest.tags
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  } else if ('tags' in rest) {
    data.tags = rest.tags;
  }
  for (const key of ['talkativeness', 'fav'] as const) {
    if (key in rest) extensions[key] = rest[key];
  }
  for (const key of ['creatorcomment', 'tags', 'talkativeness', 'fav']) delete rest[key];
  data.extensions = extensions;
  return { ...rest, spec: 'chara_card_v2', spec_version: '2.0', data };
}

function withoutMirrors(top: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(top).filter(([key]) => !MIRROR_KEYS.has(key)));
}

function specOf(top: JsonObject): CardSpec {
  if (top.spec === 'chara_card_v3') return 'v3';
  if (top.spec === 'chara_card_v2') return 'v2';
  if (top.spec !== undefined) throw new CardFormatError('not_a_card', `Unknown card spec ${JSON.stringify(top.spec)}.`);
  // Some V2 writers leave `spec` out but nest the card under `data`.
  if (isJsonObject(top.data)) return 'v2';
  if (V1_FIELDS.some((field) => field in top)) return 'v1';
  throw new CardFormatError('not_a_card', 'The JSON is not a character card (no spec, data or name).');
}

function checkName(data: JsonObject): void {
  const name = data.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new CardFormatError('missing_name', 'The card has no name.');
  }
  if (name.length > CARD_LIMITS.maxNameChars) {
    throw new CardFormatError('field_too_large', `The name is longer than ${CARD_LIMITS.maxNameChars} characters.`);
  }
}

/**
 * Why a card sent as JSON (POST/PUT /api/characters) breaks the limits a card file is held to — size, string
 * length, nesting, NUL — or null when it keeps them.
 */
export function cardLimitProblem(card: unknown): string | null {
  if (Buffer.byteLength(JSON.stringify(card) ?? '') > CARD_LIMITS.maxJsonBytes) {
    return `The card is larger than ${CARD_LIMITS.maxJsonBytes} bytes.`;
  }
  try {
    checkStructure(card, 'card', 0);
    return null;
  } catch (error) {
    if (error instanceof CardFormatError) return error.message;
    throw error;
  }
}

/**
 * Turns parsed card JSON of any version into a V2/V3-shaped card. V1 is lifted to V2; SillyTavern's top-level
 * mirror fields are dropped (writers rebuild them from `data`); every other key, at any depth, is kept as it was.
 */
export function normalizeCard(json: unknown): { card: Card; sourceSpec: CardSpec } {
  if (!isJsonObject(json)) throw new CardFormatError('not_a_card', 'The card JSON is not an object.');
  checkStructure(json, 'card', 0);
  const sourceSpec = specOf(json);
  let shaped: JsonObject;
  if (sourceSpec === 'v1') {
    shaped = liftV1(json);
  } else {
    if (!isJsonObject(json.data)) throw new CardFormatError('not_a_card', 'The card has no `data` object.');
    shaped = {
      ...withoutMirrors(json),
      spec: sourceSpec === 'v3' ? 'chara_card_v3' : 'chara_card_v2',
      spec_version: typeof json.spec_version === 'string' ? json.spec_version : sourceSpec === 'v3' ? '3.0' : '2.0',
    };
  }
  checkName(shaped.data as JsonObject);
  const parsed = Card.safeParse(shaped);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['card', ...(issue?.path ?? [])].join('.');
    throw new CardFormatError('invalid_field', `${path}: ${issue?.message ?? 'invalid value'}.`);
  }
  return { card: parsed.data, sourceSpec };
}
