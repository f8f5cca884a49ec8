import { z } from 'zod';

/** SillyTavern's default scan depth: the last two messages. */
export const DEFAULT_SCAN_DEPTH = 2;
/** Rounds of recursive scanning (entries triggering entries); bounded so a cycle of keys cannot spin. */
const MAX_RECURSION_ROUNDS = 5;

export interface LorebookEntry {
  /** For the prompt inspector: the entry's name, comment or first key. */
  name: string;
  keys: string[];
  secondaryKeys: string[];
  content: string;
  constant: boolean;
  selective: boolean;
  /** SillyTavern's extensions.selectiveLogic: how secondary keys combine with the primary match. */
  selectiveLogic: 'and_any' | 'not_all' | 'not_any' | 'and_all';
  caseSensitive: boolean;
  wholeWords: boolean;
  insertionOrder: number;
  /** Higher survives the token budget first. */
  priority: number;
  position: 'before_char' | 'after_char';
}

export interface Lorebook {
  scanDepth: number;
  /** Tokens the activated entries may use; undefined leaves it to the caller's default. */
  tokenBudget: number | undefined;
  recursive: boolean;
  entries: LorebookEntry[];
}

const Keys = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',') : v),
  z.array(z.string()).transform((keys) => keys.map((k) => k.trim()).filter(Boolean)),
);

const SELECTIVE_LOGIC = ['and_any', 'not_all', 'not_any', 'and_all'] as const;

const Entry = z.looseObject({
  keys: Keys.catch([]),
  content: z.string(),
  enabled: z.boolean().catch(true).default(true),
  insertion_order: z.number().catch(100).default(100),
  priority: z.number().optional().catch(undefined),
  case_sensitive: z.boolean().nullish().catch(undefined),
  name: z.string().optional().catch(undefined),
  comment: z.string().optional().catch(undefined),
  selective: z.boolean().optional().catch(undefined),
  secondary_keys: Keys.optional().catch(undefined),
  constant: z.boolean().optional().catch(undefined),
  position: z.enum(['before_char', 'after_char']).optional().catch(undefined),
  extensions: z
    .looseObject({
      selectiveLogic: z.number().int().min(0).max(3).optional().catch(undefined),
      match_whole_words: z.boolean().nullish().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

const Book = z.looseObject({
  scan_depth: z.number().int().min(0).max(1000).optional().catch(undefined),
  token_budget: z.number().int().min(0).optional().catch(undefined),
  recursive_scanning: z.boolean().optional().catch(undefined),
  entries: z.array(z.unknown()),
});

/**
 * Reads a card's `character_book` leniently: cards in the wild carry half-filled entries, so an entry that cannot
 * be understood is skipped rather than failing the whole generation. Disabled entries are dropped here.
 */
export function parseCharacterBook(value: unknown): Lorebook | null {
  const book = Book.safeParse(value);
  if (!book.success) return null;
  const entries: LorebookEntry[] = [];
  for (const raw of book.data.entries) {
    const parsed = Entry.safeParse(raw);
    if (!parsed.success || !parsed.data.enabled || !parsed.data.content.trim()) continue;
    const e = parsed.data;
    entries.push({
      name: e.name || e.comment || e.keys[0] || `entry ${entries.length + 1}`,
      keys: e.keys,
      secondaryKeys: e.secondary_keys ?? [],
      content: e.content,
      constant: e.constant ?? false,
      selective: e.selective ?? false,
      selectiveLogic: SELECTIVE_LOGIC[e.extensions?.selectiveLogic ?? 0] ?? 'and_any',
      caseSensitive: e.case_sensitive ?? false,
      wholeWords: e.extensions?.match_whole_words ?? false,
      insertionOrder: e.insertion_order,
      priority: e.priority ?? e.insertion_order,
      position: e.position ?? 'before_char',
    });
  }
  return {
    scanDepth: book.data.scan_depth ?? DEFAULT_SCAN_DEPTH,
    tokenBudget: book.data.token_budget || undefined,
    recursive: book.data.recursive_scanning ?? false,
    entries,
  };
}

export interface ActivatedEntry {
  entry: LorebookEntry;
  /** The content with macros expanded, as it goes into the prompt. */
  content: string;
  tokens: number;
}

export interface LorebookActivation {
  before: ActivatedEntry[];
  after: ActivatedEntry[];
  /** Triggered but left out: the budget was spent. */
  overBudget: LorebookEntry[];
}

export interface ActivationInput {
  /** The chat's messages as they go into the prompt, newest last (only the last scanDepth are read). */
  history: readonly string[];
  budget: number;
  count: (text: string) => number;
  expand: (text: string) => string;
}

/**
 * Which entries the recent history triggers: constant entries always; others when a key appears in the last
 * scanDepth messages (and, for selective entries, their secondary keys agree). The budget keeps the highest
 * priority first, skipping an entry that does not fit and trying the next; the kept entries are laid out by
 * insertion_order, lowest first.
 */
export function activateLorebook(book: Lorebook, input: ActivationInput): LorebookActivation {
  const depth = Math.min(book.scanDepth, input.history.length);
  let scanText = scanTextOf(depth > 0 ? input.history.slice(-depth).join('\n') : '');
  const triggered = new Set<LorebookEntry>(book.entries.filter((e) => e.constant));
  const rounds = book.recursive ? MAX_RECURSION_ROUNDS : 1;
  for (let round = 0; round < rounds; round++) {
    const fresh = book.entries.filter((e) => !triggered.has(e) && matches(e, scanText, input.expand));
    if (fresh.length === 0) break;
    for (const e of fresh) triggered.add(e);
    scanText = scanTextOf(fresh.map((e) => input.expand(e.content)).join('\n'));
  }

  const ranked = [...triggered].sort((a, b) => b.priority - a.priority);
  const kept: ActivatedEntry[] = [];
  const overBudget: LorebookEntry[] = [];
  let used = 0;
  for (const entry of ranked) {
    const content = input.expand(entry.content);
    const tokens = input.count(content);
    if (used + tokens > input.budget) {
      overBudget.push(entry);
      continue;
    }
    used += tokens;
    kept.push({ entry, content, tokens });
  }
  kept.sort((a, b) => a.entry.insertionOrder - b.entry.insertionOrder || book.entries.indexOf(a.entry) - book.entries.indexOf(b.entry));
  return {
    before: kept.filter((a) => a.entry.position === 'before_char'),
    after: kept.filter((a) => a.entry.position === 'after_char'),
    overBudget,
  };
}

function matches(entry: LorebookEntry, text: ScanText, expand: (t: string) => string): boolean {
  if (!text.raw) return false;
  const found = (key: string) => containsKey(text, expand(key), entry);
  if (!entry.keys.some(found)) return false;
  if (!entry.selective || entry.secondaryKeys.length === 0) return true;
  switch (entry.selectiveLogic) {
    case 'and_any':
      return entry.secondaryKeys.some(found);
    case 'and_all':
      return entry.secondaryKeys.every(found);
    case 'not_any':
      return !entry.secondaryKeys.some(found);
    case 'not_all':
      return !entry.secondaryKeys.every(found);
  }
}

/** The scanned text and its lower-case form, made once per round rather than once per key. */
interface ScanText {
  raw: string;
  lower: string;
}

const scanTextOf = (raw: string): ScanText => ({ raw, lower: raw.toLowerCase() });

function containsKey(text: ScanText, key: string, entry: LorebookEntry): boolean {
  if (!key) return false;
  if (!entry.wholeWords) {
    return entry.caseSensitive ? text.raw.includes(key) : text.lower.includes(key.toLowerCase());
  }
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // \b knows only ASCII word characters; these lookarounds also keep "Łódź" from matching inside "Łódźka".
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, entry.caseSensitive ? 'u' : 'iu');
  return pattern.test(text.raw);
}
