import { isJsonObject } from '../../formats/is-json-object.js';

/** Where an activated entry goes (SillyTavern's `position` numbers 0-7, in this order). */
export const WORLD_POSITIONS = [
  'before',
  'after',
  'an_top',
  'an_bottom',
  'at_depth',
  'examples_top',
  'examples_bottom',
  'outlet',
] as const;
export type WorldPosition = (typeof WORLD_POSITIONS)[number];

/** How secondary keys combine with a primary match (SillyTavern's `selectiveLogic` 0-3, in this order). */
export const SELECTIVE_LOGICS = ['and_any', 'not_all', 'not_any', 'and_all'] as const;
export type SelectiveLogic = (typeof SELECTIVE_LOGICS)[number];

/** The role of an @depth injection (SillyTavern's `role` 0-2, in this order). */
export const INJECTION_ROLES = ['system', 'user', 'assistant'] as const;
export type InjectionRole = (typeof INJECTION_ROLES)[number];

/** SillyTavern's defaults for a field an entry leaves out. */
export const DEFAULT_ENTRY_DEPTH = 4;
export const DEFAULT_GROUP_WEIGHT = 100;
export const DEFAULT_ORDER = 100;
const DECORATORS = ['@@activate', '@@dont_activate'] as const;
export type Decorator = (typeof DECORATORS)[number];

/**
 * One world-info entry as the engine reads it. Every field keeps SillyTavern's meaning; `null` in an override
 * means "use the global setting".
 */
export interface WorldEntry {
  /** `<book>.<uid>`: what timed effects are kept under in chat metadata (SillyTavern's key). */
  key: string;
  book: string;
  uid: string;
  /** The comment, else the first key: what the prompt inspector and the editor call it. */
  name: string;
  keys: string[];
  secondaryKeys: string[];
  /** Secondary keys count only when this is set (SillyTavern ignores them otherwise). */
  selective: boolean;
  selectiveLogic: SelectiveLogic;
  /** Without its leading decorator lines. */
  content: string;
  decorators: Decorator[];
  constant: boolean;
  disabled: boolean;
  /** Higher goes later in the prompt (nearer the end) and wins the token budget first. */
  order: number;
  position: WorldPosition;
  depth: number;
  role: InjectionRole;
  outletName: string;
  /** 0-100; rolled only when useProbability is set and it is below 100. */
  probability: number;
  useProbability: boolean;
  groups: string[];
  groupOverride: boolean;
  groupWeight: number;
  useGroupScoring: boolean | null;
  /** Messages; 0 is off. */
  sticky: number;
  cooldown: number;
  delay: number;
  excludeRecursion: boolean;
  preventRecursion: boolean;
  /** 0: off; n: the entry may only activate in recursion, from delay level n on. */
  delayUntilRecursion: number;
  scanDepth: number | null;
  caseSensitive: boolean | null;
  matchWholeWords: boolean | null;
  characterFilter: { names: string[]; tags: string[]; isExclude: boolean } | null;
}

const bool = (v: unknown): boolean => v === true || v === 1 || v === 'true';
const nullableBool = (v: unknown): boolean | null => (v === null || v === undefined ? null : bool(v));
const finite = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
/** Keys are an array of strings in SillyTavern's files; some converters wrote one comma-separated string. */
const keyList = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(text).filter((k) => k !== '') : typeof v === 'string' ? v.split(',').map((k) => k.trim()).filter(Boolean) : [];
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const indexed = <T>(values: readonly T[], v: unknown, fallback: T): T => {
  const n = finite(v);
  return n !== null && Number.isInteger(n) && n >= 0 && n < values.length ? (values[n] as T) : fallback;
};

/**
 * Reads an entry of a SillyTavern world file (`entries["<uid>"]`) leniently: books in the wild carry half-filled
 * entries and old field types, so a field that cannot be understood takes SillyTavern's default instead of
 * failing the book. The file itself is kept as it came; this is only the engine's reading of it.
 */
export function readWorldEntry(raw: unknown, book: string, uid: string): WorldEntry {
  const e = isJsonObject(raw) ? raw : {};
  const [decorators, content] = splitDecorators(text(e.content));
  const keys = keyList(e.key);
  const comment = text(e.comment);
  const delayUntilRecursion = e.delayUntilRecursion === true ? 1 : Math.max(0, Math.floor(finite(e.delayUntilRecursion) ?? 0));
  const filter = isJsonObject(e.characterFilter) ? e.characterFilter : null;
  const scanDepth = finite(e.scanDepth);
  return {
    key: `${book}.${uid}`,
    book,
    uid,
    name: comment || keys[0] || `entry ${uid}`,
    keys,
    secondaryKeys: keyList(e.keysecondary),
    selective: bool(e.selective),
    selectiveLogic: indexed(SELECTIVE_LOGICS, e.selectiveLogic, 'and_any'),
    content,
    decorators,
    constant: bool(e.constant),
    disabled: bool(e.disable),
    order: finite(e.order) ?? DEFAULT_ORDER,
    position: indexed(WORLD_POSITIONS, e.position, 'before'),
    depth: Math.max(0, Math.floor(finite(e.depth) ?? DEFAULT_ENTRY_DEPTH)),
    role: indexed(INJECTION_ROLES, e.role, 'system'),
    outletName: text(e.outletName).trim(),
    probability: finite(e.probability) ?? 100,
    useProbability: bool(e.useProbability),
    groups: text(e.group).split(/,\s*/).map((g) => g.trim()).filter(Boolean),
    groupOverride: bool(e.groupOverride),
    groupWeight: finite(e.groupWeight) ?? DEFAULT_GROUP_WEIGHT,
    useGroupScoring: nullableBool(e.useGroupScoring),
    sticky: Math.max(0, Math.floor(finite(e.sticky) ?? 0)),
    cooldown: Math.max(0, Math.floor(finite(e.cooldown) ?? 0)),
    delay: Math.max(0, Math.floor(finite(e.delay) ?? 0)),
    excludeRecursion: bool(e.excludeRecursion),
    preventRecursion: bool(e.preventRecursion),
    delayUntilRecursion,
    scanDepth: scanDepth === null ? null : Math.max(0, Math.floor(scanDepth)),
    caseSensitive: nullableBool(e.caseSensitive),
    matchWholeWords: nullableBool(e.matchWholeWords),
    characterFilter:
      filter && (strings(filter.names).length > 0 || strings(filter.tags).length > 0)
        ? { names: strings(filter.names), tags: strings(filter.tags), isExclude: bool(filter.isExclude) }
        : null,
  };
}

/**
 * Leading `@@activate` / `@@dont_activate` lines are decorators, not content (SillyTavern's rule: a line of
 * `@@@...` is a fallback that counts only after an unknown decorator; the first line not starting with `@@` ends them).
 */
export function splitDecorators(content: string): [Decorator[], string] {
  if (!content.startsWith('@@')) return [[], content];
  const lines = content.split('\n');
  const found: Decorator[] = [];
  let fallback = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('@@')) return [found, lines.slice(i).join('\n')];
    if (line.startsWith('@@@') && !fallback) continue;
    const name = line.startsWith('@@@') ? line.slice(1) : line;
    const known = DECORATORS.find((d) => name.startsWith(d));
    if (known) {
      // "@@activate please" is a known decorator line, but only the exact name acts (as in SillyTavern).
      if (name === known) found.push(known);
      fallback = false;
    } else {
      fallback = true;
    }
  }
  // Only decorator lines: SillyTavern keeps the content as it was.
  return [found, content];
}
