import type { CardData } from '../../shared/api/characters.js';
import type { WorldInfoSettings } from '../../shared/api/world-info-settings.js';
import { CHAT_WORLD_KEY } from '../../shared/api/worlds.js';
import { isJsonObject } from '../formats/is-json-object.js';
import { characterBookToWorld } from '../formats/world-file.js';
import type { BookSource } from '../generation/world-info/activate-world-info.js';
import { compileBook, type CompiledBook, type MatchDefaults } from '../generation/world-info/compiled-book.js';
import { readWorldEntry } from '../generation/world-info/world-entry.js';
import { TimeLimitedRegex, type RegexTester } from '../regex/time-limited-regex.js';
import type { Store } from '../store/store.js';

/** Entries kept compiled across generations, all books together; the least recently used book goes first. */
const MAX_CACHED_ENTRIES = 500_000;

export interface ActiveBook {
  source: BookSource;
  book: CompiledBook;
}

/** A character whose books a generation reads: the 1:1 chat's, or each member of a group in the scene. */
export interface BookCharacter {
  id: string;
  card: CardData;
  /** When the card was last saved: its embedded book is recompiled only after a change. */
  updatedAt: number;
}

export interface BookChoice {
  userId: string;
  settings: WorldInfoSettings;
  /** The speaker first; in a group, then the other members whose books join the scan. */
  characters: readonly BookCharacter[];
  /** A group's own books (names), read after its members'. */
  groupBooks?: readonly string[] | undefined;
  chatMetadata: Record<string, unknown>;
  personaId: string | null;
}

interface Cached {
  /** The book's revision (or the card's save time) it was compiled from. */
  stamp: number;
  book: CompiledBook;
  entries: number;
}

/**
 * World info's share of a server: the compiled books (compiling a 50,000-entry book takes a second; a
 * generation then scans it in milliseconds) and the time-limited runner of regex keys. A book is recompiled
 * when its revision or the global case / whole-word settings change; which books a chat uses is read from
 * the database for every generation, so other nodes' edits count at once.
 */
export class WorldInfoBooks {
  readonly regex: RegexTester & { close(): Promise<void> };
  readonly #cache = new Map<string, Cached>();
  #cachedEntries = 0;

  constructor(regex: RegexTester & { close(): Promise<void> } = new TimeLimitedRegex()) {
    this.regex = regex;
  }

  close(): Promise<void> {
    return this.regex.close();
  }

  /**
   * The books active for one generation, as SillyTavern gathers them: the chat's book (metadata `world_info`),
   * the persona's, the character's primary book (`extensions.world`) and additional ones, the global books;
   * and the card's embedded book when the card links no book of Parley's (the linked one is its copy). In a group
   * every character named (speaker first) brings its books, then the group's own come (the engine reads a book
   * named twice once, placeBooks); names that match no book are passed over.
   */
  async active(store: Store, choice: BookChoice): Promise<ActiveBook[]> {
    const { settings } = choice;
    const named: { source: BookSource; name: string }[] = [];
    const chatBook = choice.chatMetadata[CHAT_WORLD_KEY];
    if (typeof chatBook === 'string' && chatBook) named.push({ source: 'chat', name: chatBook });
    const personaBook = choice.personaId ? settings.personaBooks[choice.personaId] : undefined;
    if (personaBook) named.push({ source: 'persona', name: personaBook });
    const primaryOf = (card: CardData) => {
      const extensions = card.extensions;
      return isJsonObject(extensions) && typeof extensions.world === 'string' && extensions.world ? extensions.world : null;
    };
    for (const character of choice.characters) {
      const primary = primaryOf(character.card);
      if (primary) named.push({ source: 'character', name: primary });
      for (const name of settings.characterBooks[character.id] ?? []) named.push({ source: 'character', name });
    }
    for (const name of choice.groupBooks ?? []) named.push({ source: 'character', name });
    for (const name of settings.globalBooks) named.push({ source: 'global', name });

    const defaults: MatchDefaults = { caseSensitive: settings.caseSensitive, matchWholeWords: settings.matchWholeWords };
    const records = await store.worlds.byNames(choice.userId, [...new Set(named.map((n) => n.name))]);
    const byName = new Map(records.map((r) => [r.name, r]));
    const books: ActiveBook[] = [];
    for (const { source, name } of named) {
      const record = byName.get(name);
      if (!record) continue;
      const key = `${record.userId}:${record.id}:${defaults.caseSensitive}:${defaults.matchWholeWords}`;
      const book = await this.#compiled(key, record.revision, async () => {
        const rows = await store.worlds.entries(record.userId, record.id);
        return compileBook(record.name, rows.map((r) => readWorldEntry(r.entry, record.name, r.uid)), defaults);
      });
      books.push({ source, book });
    }
    for (const character of choice.characters) {
      const primary = primaryOf(character.card);
      const embedded = character.card.character_book;
      if (primary && byName.has(primary)) continue;
      if (!isJsonObject(embedded) || !Array.isArray(embedded.entries) || embedded.entries.length === 0) continue;
      const name = typeof embedded.name === 'string' && embedded.name.trim() ? embedded.name.trim() : `${character.card.name}'s Lorebook`;
      const key = `${choice.userId}:card:${character.id}:${defaults.caseSensitive}:${defaults.matchWholeWords}`;
      try {
        const book = await this.#compiled(key, character.updatedAt, async () =>
          compileBook(name, characterBookToWorld(embedded).map(([uid, raw]) => readWorldEntry(raw, name, uid)), defaults),
        );
        books.push({ source: 'character', book });
      } catch {
        // An embedded book that cannot be read (entries that are not objects) is passed over, as before.
      }
    }
    return books;
  }

  async #compiled(key: string, stamp: number, compile: () => Promise<CompiledBook>): Promise<CompiledBook> {
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      if (hit.stamp === stamp) {
        // Most recently used last.
        this.#cache.set(key, hit);
        return hit.book;
      }
      this.#cachedEntries -= hit.entries;
    }
    const book = await compile();
    const cached: Cached = { stamp, book, entries: book.entries.length };
    this.#cache.set(key, cached);
    this.#cachedEntries += cached.entries;
    for (const [oldKey, old] of this.#cache) {
      if (this.#cachedEntries <= MAX_CACHED_ENTRIES || oldKey === key) break;
      this.#cache.delete(oldKey);
      this.#cachedEntries -= old.entries;
    }
    return book;
  }
}
