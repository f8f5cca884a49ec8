import { KeyAutomaton } from './key-automaton.js';
import { parseKey, requiredLiteral, type RegexKey } from './regex-key.js';
import type { WorldEntry } from './world-entry.js';

/** A key found by one of the book's automata: the lower-cased one (case-insensitive) or the one as written. */
export interface PatternRef {
  caseSensitive: boolean;
  pattern: number;
}

/** How one key of one entry is matched, decided once per book. */
export type KeyRef =
  | ({ kind: 'plain'; wholeWord: boolean } & PatternRef)
  /** Holds a newline: compared with the joined buffer as SillyTavern does (it may span two messages). */
  | { kind: 'direct'; caseSensitive: boolean; key: string; wholeWord: boolean }
  /** Holds a macro ({{char}}, <USER>...): expanded for each generation, then matched like any key. */
  | { kind: 'macro'; caseSensitive: boolean; raw: string; wholeWords: boolean }
  /** `literal`: a substring every match contains; the regex runs only where the buffer holds it. */
  | { kind: 'regex'; regex: number; literal: PatternRef | null }
  | { kind: 'invalid'; key: string; reason: string };

export interface MatchDefaults {
  caseSensitive: boolean;
  matchWholeWords: boolean;
}

export interface EntryIndex {
  any: readonly (readonly CompiledEntry[])[];
  word: readonly (readonly CompiledEntry[])[];
}

/** An entry with its keys classified and its place in the book. */
export interface CompiledEntry {
  entry: WorldEntry;
  book: CompiledBook;
  /** Position in `book.entries` (order, highest first). */
  index: number;
  primary: readonly KeyRef[];
  secondary: readonly KeyRef[];
}

/** A book ready to scan: entries in SillyTavern's order (highest `order` first) and every key classified. */
export interface CompiledBook {
  name: string;
  entries: readonly CompiledEntry[];
  byUid: ReadonlyMap<string, CompiledEntry>;
  /** Keys of case-insensitive entries, lower-cased, matched against lower-cased text. */
  lower: KeyAutomaton;
  exact: KeyAutomaton;
  /**
   * Per pattern of each automaton: the entries with a primary key (or a regex key's literal) there, split by
   * whether the key needs whole words (found only where a hit has word boundaries: a key inside another word
   * makes no candidate) or not.
   */
  lowerEntries: EntryIndex;
  exactEntries: EntryIndex;
  /** Entries that must be looked at in every scan: constant, decorated, or a primary key no automaton finds. */
  alwaysChecked: readonly CompiledEntry[];
  /** Entries with a delay (timed effect). */
  delayed: readonly CompiledEntry[];
  regexes: readonly RegexKey[];
  /** Regex keys that do not compile: reported with every scan of the book. */
  invalidKeys: readonly { uid: string; key: string; reason: string }[];
  /** The deepest scan depth an entry asks for (0 when none overrides the global one). */
  deepestEntryScan: number;
  delayLevels: readonly number[];
}

const MACRO_IN_KEY = /\{\{|<(?:BOT|CHAR|USER)>/i;
const SPANS_MESSAGES = /[\n\u0001]/;

/** Single words are matched with word boundaries; several words match anywhere (SillyTavern's rule). */
export const isSingleWord = (key: string) => !/\s/.test(key);

/**
 * Classifies every key of a book's entries (SillyTavern's `/regex/`, plain with the entry's case and
 * whole-word settings or the global ones), builds the book's two automata and the index from a found key to
 * the entries it may fire. Done once per book revision and global settings; entries come in the order the book
 * holds them and leave sorted by `order`, highest first, ties in book order.
 */
export function compileBook(name: string, entries: readonly WorldEntry[], defaults: MatchDefaults): CompiledBook {
  const lowerKeys = new Map<string, PatternRef[]>();
  const exactKeys = new Map<string, PatternRef[]>();
  const regexes: RegexKey[] = [];
  const regexIds = new Map<string, number>();
  /** Registers `ref` under its text; its pattern id is filled in once the automata are built. */
  const patternRef = <R extends PatternRef>(text: string, ref: R): R => {
    const { caseSensitive } = ref;
    const bucket = caseSensitive ? exactKeys : lowerKeys;
    const refs = bucket.get(text);
    if (refs) refs.push(ref);
    else bucket.set(text, [ref]);
    return ref;
  };

  const classify = (entry: WorldEntry, raw: string): KeyRef => {
    const caseSensitive = entry.caseSensitive ?? defaults.caseSensitive;
    const wholeWords = entry.matchWholeWords ?? defaults.matchWholeWords;
    if (MACRO_IN_KEY.test(raw)) return { kind: 'macro', caseSensitive, raw, wholeWords };
    const key = raw.trim();
    const parsed = parseKey(key);
    if (parsed.kind === 'invalid') return { kind: 'invalid', key, reason: parsed.reason };
    if (parsed.kind === 'regex') {
      const id = `${parsed.regex.flags}/${parsed.regex.source}`;
      let index = regexIds.get(id);
      if (index === undefined) {
        index = regexes.push(parsed.regex) - 1;
        regexIds.set(id, index);
      }
      const literal = requiredLiteral(parsed.regex);
      const literalRef = literal ? patternRef(literal, { caseSensitive: !parsed.regex.flags.includes('i'), pattern: -1 }) : null;
      return { kind: 'regex', regex: index, literal: literalRef };
    }
    const transformed = caseSensitive ? key : key.toLowerCase();
    const wholeWord = wholeWords && isSingleWord(transformed);
    if (SPANS_MESSAGES.test(transformed)) return { kind: 'direct', caseSensitive, key: transformed, wholeWord };
    return patternRef(transformed, { kind: 'plain' as const, wholeWord, caseSensitive, pattern: -1 });
  };

  const sorted = entries.map((entry, index) => ({ entry, index }));
  sorted.sort((a, b) => b.entry.order - a.entry.order || a.index - b.index);
  const classified = sorted.map(({ entry }) => ({
    entry,
    primary: entry.keys.map((k) => classify(entry, k)),
    secondary: entry.secondaryKeys.map((k) => classify(entry, k)),
  }));

  const lower = new KeyAutomaton(lowerKeys.keys());
  const exact = new KeyAutomaton(exactKeys.keys());
  const assign = (automaton: KeyAutomaton, bucket: Map<string, PatternRef[]>) =>
    automaton.patterns.forEach((text, id) => bucket.get(text)?.forEach((ref) => (ref.pattern = id)));
  assign(lower, lowerKeys);
  assign(exact, exactKeys);

  const compiled: CompiledEntry[] = [];
  const lowerEntries = { any: lower.patterns.map((): CompiledEntry[] => []), word: lower.patterns.map((): CompiledEntry[] => []) };
  const exactEntries = { any: exact.patterns.map((): CompiledEntry[] => []), word: exact.patterns.map((): CompiledEntry[] => []) };
  const alwaysChecked: CompiledEntry[] = [];
  const byUid = new Map<string, CompiledEntry>();
  const delayed: CompiledEntry[] = [];
  const invalidKeys: { uid: string; key: string; reason: string }[] = [];
  const book: CompiledBook = {
    name,
    entries: compiled,
    byUid,
    lower,
    exact,
    lowerEntries,
    exactEntries,
    alwaysChecked,
    delayed,
    regexes,
    invalidKeys,
    deepestEntryScan: classified.reduce((max, c) => Math.max(max, c.entry.scanDepth ?? 0), 0),
    delayLevels: [...new Set(classified.map((c) => c.entry.delayUntilRecursion).filter((d) => d > 0))],
  };
  for (const [index, { entry, primary, secondary }] of classified.entries()) {
    const c: CompiledEntry = { entry, book, index, primary, secondary };
    compiled.push(c);
    byUid.set(entry.uid, c);
    if (entry.delay > 0) delayed.push(c);
    for (const ref of [...primary, ...secondary]) if (ref.kind === 'invalid') invalidKeys.push({ uid: entry.uid, key: ref.key, reason: ref.reason });
    const indexed = new Set<string>();
    let unindexed = entry.constant || entry.decorators.length > 0;
    for (const ref of primary) {
      const found = ref.kind === 'plain' ? ref : ref.kind === 'regex' ? ref.literal : null;
      if (found && found.pattern >= 0) {
        const wholeWord = ref.kind === 'plain' && ref.wholeWord;
        const id = `${found.caseSensitive}:${found.pattern}:${wholeWord}`;
        if (!indexed.has(id)) (found.caseSensitive ? exactEntries : lowerEntries)[wholeWord ? 'word' : 'any'][found.pattern]?.push(c);
        indexed.add(id);
      } else if (ref.kind === 'direct' || ref.kind === 'macro' || ref.kind === 'regex') {
        unindexed = true;
      }
    }
    if (unindexed) alwaysChecked.push(c);
  }
  return book;
}
