import { newWorldEntry } from '../../shared/api/worlds.js';
import { isJsonObject } from './is-json-object.js';

/** Why a world file was refused; the route answers 422 `invalid_world` with the message. */
export class WorldFormatError extends Error {
  override readonly name = 'WorldFormatError';
}

type JsonObject = Record<string, unknown>;

/** Bounds far above any real book, low enough that one upload cannot exhaust the server. */
export const WORLD_LIMITS = {
  maxDepth: 64,
  maxEntries: 200_000,
  maxStringChars: 1_000_000,
} as const;

/** A book as Parley keeps it: the file's other top-level keys, and its entries by uid in the file's order. */
export interface WorldContent {
  /** The top-level object with `entries` emptied (its place among the keys kept). */
  head: JsonObject;
  entries: [uid: string, entry: JsonObject][];
  /** What it was converted from, when it was not SillyTavern's own format. */
  convertedFrom: 'character_book' | 'novelai' | 'agnai' | 'risu' | null;
}

/**
 * Reads a lorebook file: SillyTavern's world JSON (`{"entries": {"<uid>": {...}}}`, every key kept as it is), or,
 * converted to it as SillyTavern converts them, a card's `character_book`, a NovelAI lorebook
 * (`lorebookVersion`), an Agnai memory book (`kind: "memory"`) or a RisuAI lorebook (`type: "risu"`). Anything
 * else, or JSON nested past 64 levels, with a NUL or an unpaired surrogate in a string, is refused.
 */
export function readWorldFile(text: string): WorldContent {
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new WorldFormatError(`The file is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  checkStructure(value, '$', 0);
  if (!isJsonObject(value)) throw new WorldFormatError('A lorebook file holds a JSON object; this one holds something else.');
  if (value.lorebookVersion !== undefined) return converted(value, 'novelai', novelEntries(value));
  if (value.kind === 'memory') return converted(value, 'agnai', agnaiEntries(value));
  if (value.type === 'risu') return converted(value, 'risu', risuEntries(value));
  if (!('entries' in value)) throw new WorldFormatError('The file has no "entries": it is not a SillyTavern world (lorebook) file.');
  if (Array.isArray(value.entries)) return { head: { entries: {} }, entries: characterBookToWorld(value), convertedFrom: 'character_book' };
  if (!isJsonObject(value.entries)) throw new WorldFormatError('"entries" must be an object of entries keyed by uid.');
  const entries: [string, JsonObject][] = [];
  for (const [uid, entry] of Object.entries(value.entries)) {
    if (!isJsonObject(entry)) throw new WorldFormatError(`Entry "${uid}" is not an object.`);
    if (uid.length === 0 || uid.length > 64 || /[\u0000-\u001f]/.test(uid)) throw new WorldFormatError(`Entry key "${uid.slice(0, 64)}" is not a usable uid.`);
    entries.push([uid, entry]);
  }
  if (entries.length > WORLD_LIMITS.maxEntries) throw new WorldFormatError(`The book has more than ${WORLD_LIMITS.maxEntries.toLocaleString('en')} entries.`);
  return { head: { ...value, entries: {} }, entries, convertedFrom: null };
}

/**
 * The book as SillyTavern writes it (`JSON.stringify(data, null, 4)`), entries in the order given. A book that
 * came from SillyTavern and was not changed comes out byte for byte; the caller keeps the file for that.
 */
export function writeWorldFile(head: JsonObject, entries: readonly (readonly [string, JsonObject])[]): string {
  // Entries are spliced in as text: an object would reorder keys that look like numbers.
  const headText = JSON.stringify(head);
  let placeholder = 'parley-entries';
  while (headText.includes(placeholder)) placeholder += '-';
  const marker = JSON.stringify(placeholder);
  const shell = JSON.stringify({ ...head, entries: placeholder }, null, 4);
  const body =
    entries.length === 0
      ? '{}'
      : `{\n${entries.map(([uid, entry]) => `        ${JSON.stringify(uid)}: ${indent(JSON.stringify(entry, null, 4), 8)}`).join(',\n')}\n    }`;
  return shell.replace(marker, () => body);
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const indent = (text: string, spaces: number) => text.replaceAll('\n', `\n${' '.repeat(spaces)}`);

function checkStructure(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') {
    if (value.length > WORLD_LIMITS.maxStringChars) throw new WorldFormatError(`${path} is longer than ${WORLD_LIMITS.maxStringChars.toLocaleString('en')} characters.`);
    if (value.includes('\u0000')) throw new WorldFormatError(`${path} contains a NUL character.`);
    if (UNPAIRED_SURROGATE.test(value)) throw new WorldFormatError(`${path} contains an unpaired surrogate (broken UTF-16).`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= WORLD_LIMITS.maxDepth) throw new WorldFormatError(`The file nests deeper than ${WORLD_LIMITS.maxDepth} levels at ${path}.`);
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkStructure(item, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000') || UNPAIRED_SURROGATE.test(key)) throw new WorldFormatError(`A key in ${path} contains a NUL character or an unpaired surrogate.`);
    checkStructure(item, `${path}.${key}`, depth + 1);
  }
}

function converted(value: JsonObject, from: NonNullable<WorldContent['convertedFrom']>, entries: [string, JsonObject][]): WorldContent {
  return { head: { entries: {} }, entries, convertedFrom: from };
}

const list = (v: unknown, what: string): unknown[] => {
  if (!Array.isArray(v)) throw new WorldFormatError(`${what} must be a list.`);
  return v;
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const object = (v: unknown, what: string): JsonObject => {
  if (!isJsonObject(v)) throw new WorldFormatError(`${what} is not an object.`);
  return v;
};

/** A new SillyTavern entry with the given fields, as SillyTavern's converters build them. */
function entryWith(uid: number, fields: JsonObject): [string, JsonObject] {
  return [String(uid), { ...newWorldEntry(String(uid)), ...fields, uid, displayIndex: uid }];
}

/** NovelAI lorebook: `entries[{text, keys, displayName, enabled, contextConfig.budgetPriority}]`. */
function novelEntries(value: JsonObject): [string, JsonObject][] {
  return list(value.entries, 'A NovelAI lorebook\'s "entries"').map((raw, i) => {
    const e = object(raw, `NovelAI entry ${i}`);
    const name = str(e.displayName);
    const config = isJsonObject(e.contextConfig) ? e.contextConfig : {};
    return entryWith(i, {
      key: strings(e.keys),
      comment: name,
      content: str(e.text),
      selective: false,
      order: num(config.budgetPriority, 0),
      disable: e.enabled === false,
      addMemo: name.trim() !== '',
    });
  });
}

/** Agnai memory book: `entries[{name, entry, keywords, weight, enabled}]`. */
function agnaiEntries(value: JsonObject): [string, JsonObject][] {
  return list(value.entries, 'An Agnai memory book\'s "entries"').map((raw, i) => {
    const e = object(raw, `Agnai entry ${i}`);
    return entryWith(i, {
      key: strings(e.keywords),
      comment: str(e.name),
      content: str(e.entry),
      selective: false,
      order: num(e.weight, 100),
      disable: e.enabled === false,
      addMemo: str(e.name) !== '',
    });
  });
}

/** RisuAI lorebook: `data[{key, secondkey, comment, content, alwaysActive, selective, insertorder, activationPercent}]`. */
function risuEntries(value: JsonObject): [string, JsonObject][] {
  const split = (v: unknown) => str(v).split(',').map((k) => k.trim()).filter(Boolean);
  return list(value.data, 'A RisuAI lorebook\'s "data"').map((raw, i) => {
    const e = object(raw, `RisuAI entry ${i}`);
    return entryWith(i, {
      key: split(e.key),
      keysecondary: split(e.secondkey),
      comment: str(e.comment),
      content: str(e.content),
      constant: e.alwaysActive === true,
      selective: e.selective === true,
      order: num(e.insertorder, 100),
      probability: num(e.activationPercent, 100),
      addMemo: true,
    });
  });
}

/**
 * A card's `character_book` as a SillyTavern world, field by field as SillyTavern's "Import Card Lore" maps it
 * (SillyTavern's own fields live in each entry's `extensions`). Entries keep their `id` as uid.
 */
export function characterBookToWorld(book: JsonObject): [string, JsonObject][] {
  const taken = new Set<string>();
  return list(book.entries, 'character_book.entries').map((raw, index) => {
    const e = object(raw, `character_book entry ${index}`);
    const ext = isJsonObject(e.extensions) ? e.extensions : {};
    let id = typeof e.id === 'number' || typeof e.id === 'string' ? String(e.id) : String(index);
    if (taken.has(id)) id = String(index);
    taken.add(id);
    const pick = (key: string, fallback: unknown) => (ext[key] ?? fallback) as unknown;
    return [
      id,
      {
        ...newWorldEntry(id),
        uid: Number.isSafeInteger(Number(id)) ? Number(id) : id,
        key: strings(e.keys),
        keysecondary: strings(e.secondary_keys),
        comment: str(e.comment) || str(e.name),
        content: str(e.content),
        constant: e.constant === true,
        selective: e.selective === true,
        order: num(e.insertion_order, 100),
        position: pick('position', e.position === 'before_char' ? 0 : 1),
        excludeRecursion: pick('exclude_recursion', false),
        preventRecursion: pick('prevent_recursion', false),
        delayUntilRecursion: pick('delay_until_recursion', false),
        disable: e.enabled === false,
        addMemo: Boolean(e.comment),
        displayIndex: pick('display_index', index),
        probability: pick('probability', 100),
        useProbability: pick('useProbability', true),
        depth: pick('depth', 4),
        selectiveLogic: pick('selectiveLogic', 0),
        group: pick('group', ''),
        groupOverride: pick('group_override', false),
        groupWeight: pick('group_weight', 100),
        scanDepth: pick('scan_depth', null),
        caseSensitive: pick('case_sensitive', e.case_sensitive ?? null),
        matchWholeWords: pick('match_whole_words', null),
        useGroupScoring: pick('use_group_scoring', null),
        automationId: pick('automation_id', ''),
        role: pick('role', 0),
        vectorized: pick('vectorized', false),
        sticky: pick('sticky', null),
        cooldown: pick('cooldown', null),
        delay: pick('delay', null),
      },
    ];
  });
}

/** A world as a card's `character_book` (SillyTavern's mapping when it saves a card linked to a book). */
export function worldToCharacterBook(name: string, entries: readonly (readonly [string, JsonObject])[]): JsonObject {
  return {
    name,
    entries: entries.map(([uid, e]) => ({
      id: typeof e.uid === 'number' ? e.uid : Number.isSafeInteger(Number(uid)) ? Number(uid) : uid,
      keys: strings(e.key),
      secondary_keys: strings(e.keysecondary),
      comment: str(e.comment),
      content: str(e.content),
      constant: e.constant === true,
      selective: e.selective === true,
      insertion_order: num(e.order, 100),
      enabled: e.disable !== true,
      position: e.position === 0 ? 'before_char' : 'after_char',
      use_regex: true,
      extensions: {
        position: e.position ?? 0,
        exclude_recursion: e.excludeRecursion ?? false,
        display_index: e.displayIndex ?? null,
        probability: e.probability ?? null,
        useProbability: e.useProbability ?? false,
        depth: e.depth ?? 4,
        selectiveLogic: e.selectiveLogic ?? 0,
        group: e.group ?? '',
        group_override: e.groupOverride ?? false,
        group_weight: e.groupWeight ?? null,
        prevent_recursion: e.preventRecursion ?? false,
        delay_until_recursion: e.delayUntilRecursion ?? false,
        scan_depth: e.scanDepth ?? null,
        match_whole_words: e.matchWholeWords ?? null,
        use_group_scoring: e.useGroupScoring ?? false,
        case_sensitive: e.caseSensitive ?? null,
        automation_id: e.automationId ?? '',
        role: e.role ?? 0,
        vectorized: e.vectorized ?? false,
        sticky: e.sticky ?? null,
        cooldown: e.cooldown ?? null,
        delay: e.delay ?? null,
        ...(e.outletName !== undefined ? { outlet_name: e.outletName } : {}),
      },
    })),
  };
}
