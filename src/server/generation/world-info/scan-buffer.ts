import type { CompiledBook } from './compiled-book.js';
import type { KeyAutomaton } from './key-automaton.js';

/** SillyTavern reads at most this many messages back, whatever the settings say. */
export const MAX_SCAN_DEPTH = 1000;

/** Where a plain key was found: the newest message holding it, and whether injections or recursion hold it. */
interface Hit {
  depth: number;
  injected: boolean;
  recursed: boolean;
}
const NONE = Number.POSITIVE_INFINITY;

/** ASCII word characters, as the `\W` of SillyTavern's whole-word pattern sees them. */
const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

class Hits {
  readonly any = new Map<number, Hit>();
  readonly word = new Map<number, Hit>();
}

type Segment = { kind: 'message'; depth: number } | { kind: 'injected' } | { kind: 'recursed' };

/**
 * What one world-info evaluation scans, as SillyTavern builds it: the chat's messages newest first (each trimmed;
 * a key finds its message if that message is within the scan depth), text injected for scanning, and the content
 * of entries activated so far (recursion). SillyTavern joins these into one string per check; here each piece is
 * scanned once with each book's automata and the results answer every entry's keys, which is the same answer for
 * any key that cannot span two pieces (one with a newline is compared with the joined text, as SillyTavern does).
 */
export class ScanBuffer {
  readonly messages: readonly string[];
  readonly #injected: readonly string[];
  readonly #recursed: string[] = [];
  readonly #books = new Map<CompiledBook, { lower: Hits; exact: Hits }>();
  #scannedMessages = 0;
  readonly #lowered = new Map<string, string>();

  /** `messages` newest first. */
  constructor(messages: readonly string[], injected: readonly string[] = []) {
    this.messages = messages.slice(0, MAX_SCAN_DEPTH).map((m) => m.trim());
    this.#injected = injected;
  }

  get hasRecursed(): boolean {
    return this.#recursed.length > 0;
  }

  addBook(book: CompiledBook): void {
    if (this.#books.has(book)) return;
    const hits = { lower: new Hits(), exact: new Hits() };
    this.#books.set(book, hits);
    for (let d = 0; d < this.#scannedMessages; d++) this.#scanInto(book, hits, this.messages[d] as string, { kind: 'message', depth: d });
    for (const text of this.#injected) this.#scanInto(book, hits, text, { kind: 'injected' });
    for (const text of this.#recursed) this.#scanInto(book, hits, text, { kind: 'recursed' });
  }

  /** Adds the content of newly activated entries to what later recursion steps scan. */
  addRecursion(text: string): void {
    this.#recursed.push(text);
    for (const [book, hits] of this.#books) this.#scanInto(book, hits, text, { kind: 'recursed' });
  }

  /** Makes sure messages up to `depth` have been scanned (done lazily: most evaluations read two). */
  ensureDepth(depth: number): void {
    const target = Math.min(depth, this.messages.length);
    for (let d = this.#scannedMessages; d < target; d++) {
      for (const [book, hits] of this.#books) this.#scanInto(book, hits, this.messages[d] as string, { kind: 'message', depth: d });
    }
    this.#scannedMessages = Math.max(this.#scannedMessages, target);
  }

  /** The patterns of `book` found in what was scanned so far (as whole words, or anywhere): what may make an entry fire. */
  found(book: CompiledBook, caseSensitive: boolean, wholeWord: boolean): IterableIterator<number> {
    const hits = this.#books.get(book);
    return (hits ? (caseSensitive ? hits.exact : hits.lower)[wholeWord ? 'word' : 'any'] : new Map<number, Hit>()).keys();
  }

  /** Whether plain key `pattern` of `book` is in the buffer cut at `depth`, with or without recursion text. */
  hasPlain(book: CompiledBook, caseSensitive: boolean, pattern: number, wholeWord: boolean, depth: number, withRecursion: boolean): boolean {
    if (depth <= 0 || pattern < 0) return false;
    const hits = this.#books.get(book);
    if (!hits) return false;
    this.ensureDepth(depth);
    const hit = (caseSensitive ? hits.exact : hits.lower)[wholeWord ? 'word' : 'any'].get(pattern);
    if (!hit) return false;
    return hit.depth < depth || hit.injected || (withRecursion && hit.recursed);
  }

  /**
   * The buffer as SillyTavern joins it for `depth`: each piece after a \x01 marker, pieces joined by newlines.
   * Regex keys and keys with newlines are tested against this.
   */
  joined(depth: number, withRecursion: boolean): string {
    if (depth <= 0) return '';
    const d = Math.min(depth, MAX_SCAN_DEPTH);
    const pieces = this.messages.slice(0, d);
    pieces.push(...this.#injected);
    if (withRecursion) pieces.push(...this.#recursed);
    return '\u0001' + pieces.join('\n\u0001');
  }

  #lower(text: string): string {
    let lowered = this.#lowered.get(text);
    if (lowered === undefined) {
      lowered = text.toLowerCase();
      this.#lowered.set(text, lowered);
    }
    return lowered;
  }

  #scanInto(book: CompiledBook, hits: { lower: Hits; exact: Hits }, text: string, segment: Segment): void {
    if (book.lower.patterns.length > 0) scanWith(book.lower, this.#lower(text), hits.lower, segment);
    if (book.exact.patterns.length > 0) scanWith(book.exact, text, hits.exact, segment);
  }
}

function scanWith(automaton: KeyAutomaton, text: string, hits: Hits, segment: Segment): void {
  automaton.scan(text, (pattern, start, end) => {
    record(hits.any, pattern, segment);
    const before = start > 0 ? text.charCodeAt(start - 1) : -1;
    const after = end < text.length ? text.charCodeAt(end) : -1;
    if (!isWordCode(before) && !isWordCode(after)) record(hits.word, pattern, segment);
  });
}

function record(map: Map<number, Hit>, pattern: number, segment: Segment): void {
  let hit = map.get(pattern);
  if (!hit) {
    hit = { depth: NONE, injected: false, recursed: false };
    map.set(pattern, hit);
  }
  if (segment.kind === 'message') hit.depth = Math.min(hit.depth, segment.depth);
  else if (segment.kind === 'injected') hit.injected = true;
  else hit.recursed = true;
}
