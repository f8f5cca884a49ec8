import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileBook } from '../../../../src/server/generation/world-info/compiled-book.js';
import { KeyAutomaton } from '../../../../src/server/generation/world-info/key-automaton.js';
import { ScanBuffer } from '../../../../src/server/generation/world-info/scan-buffer.js';
import { readWorldEntry } from '../../../../src/server/generation/world-info/world-entry.js';
import { seeded } from '../../../support/world-books.js';

/**
 * SillyTavern's plain-key test, written from its documented behaviour: the buffer is the newest `depth` messages
 * (trimmed, each after a \x01, joined by newlines); case-insensitive compares lower-cased; a single-word key with
 * whole words on must have a non-[A-Za-z0-9_] character (or the string's edge) on each side.
 */
function reference(messages: string[], depth: number, key: string, caseSensitive: boolean, wholeWords: boolean): boolean {
  if (depth <= 0) return false;
  let haystack = '\u0001' + messages.slice(0, depth).map((m) => m.trim()).join('\n\u0001');
  let needle = key.trim();
  // A blank key never matches (SillyTavern's editor cannot make one).
  if (!needle) return false;
  if (!caseSensitive) {
    haystack = haystack.toLowerCase();
    needle = needle.toLowerCase();
  }
  if (!wholeWords || /\s/.test(needle)) return haystack.includes(needle);
  return new RegExp(`(?:^|\\W)(${needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?:$|\\W)`).test(haystack);
}

describe('key automaton', () => {
  test('finds every occurrence that includes/indexOf would, overlapping ones too', () => {
    const random = seeded(3);
    const alphabet = ['a', 'b', 'ab', 'ba', 'É', 'é', '😀', ' '];
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let round = 0; round < 200; round++) {
      const keys = Array.from({ length: 1 + Math.floor(random() * 12) }, () => word(1 + Math.floor(random() * 4)));
      const text = word(Math.floor(random() * 40));
      const automaton = new KeyAutomaton(keys);
      const found = new Set<string>();
      automaton.scan(text, (p, start, end) => {
        assert.equal(text.slice(start, end), automaton.patterns[p]);
        found.add(`${automaton.patterns[p]}@${start}`);
      });
      const expected = new Set<string>();
      for (const key of new Set(keys)) for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + 1)) expected.add(`${key}@${at}`);
      assert.deepEqual([...found].sort(), [...expected].sort(), JSON.stringify({ keys, text }));
    }
  });

  test('an empty automaton, and keys longer than the text', () => {
    const calls: number[] = [];
    new KeyAutomaton([]).scan('abc', (p) => calls.push(p));
    new KeyAutomaton(['', 'abcdef']).scan('abc', (p) => calls.push(p));
    assert.deepEqual(calls, []);
  });
});

describe('plain keys against the scan buffer', () => {
  test('agree with SillyTavern\'s joined-buffer test for random chats, keys, depths, case and whole-word settings', () => {
    const random = seeded(11);
    const words = ['sword', 'Sword', 'swords', 'red', 'Red dragon', 'dragon', 'c++', 'кот', 'котлета', '_x', 'x_', 'a-b', '  ', 'é'];
    const pick = () => words[Math.floor(random() * words.length)] as string;
    const sentence = () => Array.from({ length: Math.floor(random() * 6) }, () => pick() + (random() < 0.3 ? ',' : '')).join(random() < 0.5 ? ' ' : '');
    for (let round = 0; round < 300; round++) {
      const messages = Array.from({ length: Math.floor(random() * 5) }, sentence);
      const keys = Array.from({ length: 1 + Math.floor(random() * 3) }, pick);
      const caseSensitive = random() < 0.5;
      const wholeWords = random() < 0.5;
      const raw = { key: keys, content: 'x', caseSensitive, matchWholeWords: wholeWords };
      const entry = readWorldEntry(raw, 'B', '0');
      const book = compileBook('B', [entry], { caseSensitive: false, matchWholeWords: false });
      const buffer = new ScanBuffer(messages);
      buffer.addBook(book);
      const depth = Math.floor(random() * 6);
      const refs = book.entries[0]?.primary ?? [];
      entry.keys.forEach((key, i) => {
        const ref = refs[i];
        assert.ok(ref);
        const ours =
          ref.kind === 'plain'
            ? buffer.hasPlain(book, ref.caseSensitive, ref.pattern, ref.wholeWord, depth, true)
            : assert.fail(`unexpected key kind ${ref.kind}`);
        assert.equal(ours, reference(messages, depth, key, caseSensitive, wholeWords), JSON.stringify({ messages, key, depth, caseSensitive, wholeWords }));
      });
    }
  });
});
