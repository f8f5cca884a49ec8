import { newWorldEntry } from '../../src/shared/api/worlds.js';
import { WorldInfoSettings } from '../../src/shared/api/world-info-settings.js';
import { activateWorldInfo, type BookSource, type WorldInfoInput } from '../../src/server/generation/world-info/activate-world-info.js';
import { compileBook, type CompiledBook, type MatchDefaults } from '../../src/server/generation/world-info/compiled-book.js';
import { readWorldEntry } from '../../src/server/generation/world-info/world-entry.js';
import { TimeLimitedRegex } from '../../src/server/regex/time-limited-regex.js';

/** A SillyTavern world entry as its editor writes a new one (`newWorldEntry`), with the fields given on top; `role`
 *  null as in files saved before entries had roles. */
export function stEntry(uid: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...newWorldEntry(String(uid)), role: null, displayIndex: uid, ...over };
}

/** A SillyTavern world file: `{entries: {"<uid>": entry}}`. */
export function stWorld(entries: Record<string, unknown>[]): { entries: Record<string, Record<string, unknown>> } {
  return { entries: Object.fromEntries(entries.map((e) => [String(e.uid), e])) };
}

export function compile(name: string, world: { entries: Record<string, unknown> }, defaults: Partial<MatchDefaults> = {}): CompiledBook {
  const entries = Object.entries(world.entries).map(([uid, raw]) => readWorldEntry(raw, name, uid));
  return compileBook(name, entries, { caseSensitive: false, matchWholeWords: true, ...defaults });
}

/** A seeded uniform source in [0, 1) (mulberry32), so rolls are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random source that returns the given values in turn. */
export const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

export const sharedRegex = new TimeLimitedRegex({ perRegexMs: 40, perCallMs: 2_000 });

export interface ScanOptions {
  books?: { source: BookSource; book: CompiledBook }[];
  /** Oldest first, as a chat reads. */
  chat?: string[];
  settings?: Partial<WorldInfoSettings>;
  chatLength?: number;
  timedState?: unknown;
  promptBudget?: number;
  random?: () => number;
  injected?: string[];
  character?: WorldInfoInput['character'];
}

/** One evaluation with test defaults: one token per word, macros {{char}} = Seraphina and {{user}} = Ann. */
export function scan(options: ScanOptions) {
  const chat = options.chat ?? [];
  return activateWorldInfo({
    books: options.books ?? [],
    settings: WorldInfoSettings.parse(options.settings ?? {}),
    messages: [...chat].reverse(),
    chatLength: options.chatLength ?? chat.length,
    timedState: options.timedState ?? {},
    promptBudget: options.promptBudget ?? 100_000,
    character: options.character ?? { names: ['Seraphina'], tags: [] },
    ...(options.injected ? { injected: options.injected } : {}),
    expand: (t) => t.replaceAll('{{char}}', 'Seraphina').replaceAll('{{user}}', 'Ann'),
    count: (t) => t.split(/\s+/).filter(Boolean).length,
    random: options.random ?? seeded(1),
    regex: sharedRegex,
  });
}

/** Scans one book (a global one) with entries given as SillyTavern fields. */
export async function scanEntries(entries: Record<string, unknown>[], options: Omit<ScanOptions, 'books'> & { defaults?: Partial<MatchDefaults> } = {}) {
  const settings = WorldInfoSettings.parse(options.settings ?? {});
  const book = compile('Book', stWorld(entries), { caseSensitive: settings.caseSensitive, matchWholeWords: settings.matchWholeWords, ...options.defaults });
  return scan({ ...options, books: [{ source: 'global', book }] });
}

/** The contents that fired, in activation order. */
export const fired = (a: Awaited<ReturnType<typeof scan>>) => a.activated.map((x) => x.content);
