import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activateLorebook, parseCharacterBook, type Lorebook } from '../../../src/server/generation/lorebook.js';

const entry = (over: Record<string, unknown>) => ({ keys: [], content: 'x', enabled: true, insertion_order: 100, extensions: {}, ...over });
const book = (entries: unknown[], over: Record<string, unknown> = {}): Lorebook => {
  const parsed = parseCharacterBook({ entries, extensions: {}, ...over });
  assert.ok(parsed);
  return parsed;
};
/** Activates against a history (oldest first) with a generous budget, one token per character. */
const activate = (b: Lorebook, history: string[], budget = 10_000) =>
  activateLorebook(b, { history, budget, count: (t) => t.length, expand: (t) => t.replaceAll('{{char}}', 'Seraphina') });
const names = (a: ReturnType<typeof activate>) => [...a.before, ...a.after].map((x) => x.content);

describe('lorebook triggers', () => {
  test('a key in the last scan_depth messages triggers; an older mention does not', () => {
    const b = (depth: number) => book([entry({ keys: ['sword'], content: 'The sword is cursed.' })], { scan_depth: depth });
    const history = ['I found a sword.', 'Oh?', 'Yes.'];
    assert.deepEqual(names(activate(b(2), history)), []);
    assert.deepEqual(names(activate(b(3), history)), ['The sword is cursed.']);
  });

  test('the default scan depth is 2 (SillyTavern\'s)', () => {
    const b = book([entry({ keys: ['sword'], content: 'S' })]);
    assert.equal(b.scanDepth, 2);
    assert.deepEqual(names(activate(b, ['sword', 'a', 'b'])), []);
    assert.deepEqual(names(activate(b, ['a', 'sword', 'b'])), ['S']);
  });

  test('keys match case-insensitively unless the entry is case_sensitive', () => {
    const insensitive = book([entry({ keys: ['Dragon'], content: 'D' })]);
    const sensitive = book([entry({ keys: ['Dragon'], content: 'D', case_sensitive: true })]);
    assert.deepEqual(names(activate(insensitive, ['a DRAGON flies'])), ['D']);
    assert.deepEqual(names(activate(sensitive, ['a DRAGON flies'])), []);
    assert.deepEqual(names(activate(sensitive, ['a Dragon flies'])), ['D']);
  });

  test('match_whole_words keeps a key from matching inside another word, Unicode included', () => {
    const b = book([entry({ keys: ['cat'], content: 'C', extensions: { match_whole_words: true } }), entry({ keys: ['łódź'], content: 'L', extensions: { match_whole_words: true } })]);
    assert.deepEqual(names(activate(b, ['the category', 'łódźka'])), []);
    assert.deepEqual(names(activate(b, ['the cat, in Łódź.'])), ['C', 'L']);
  });

  test('constant entries are always in; disabled entries never', () => {
    const b = book([entry({ constant: true, content: 'always' }), entry({ keys: ['x'], content: 'off', enabled: false })]);
    assert.deepEqual(names(activate(b, ['x'])), ['always']);
    assert.deepEqual(names(activate(b, [])), ['always']);
  });

  test('selective entries need their secondary keys: and_any (default), and_all, not_any, not_all', () => {
    const make = (logic?: number) =>
      book([entry({ keys: ['castle'], secondary_keys: ['night', 'storm'], selective: true, content: 'C', extensions: logic === undefined ? {} : { selectiveLogic: logic } })]);
    const cases: [number | undefined, string, boolean][] = [
      [undefined, 'the castle', false],
      [undefined, 'the castle at night', true],
      [3, 'the castle at night', false],
      [3, 'the castle at night in a storm', true],
      [2, 'the castle at night', false],
      [2, 'the castle', true],
      [1, 'the castle at night in a storm', false],
      [1, 'the castle at night', true],
    ];
    for (const [logic, text, expected] of cases) {
      assert.equal(names(activate(make(logic), [text])).length === 1, expected, `logic ${logic} on "${text}"`);
    }
  });

  test('a non-selective entry ignores its secondary keys', () => {
    const b = book([entry({ keys: ['castle'], secondary_keys: ['night'], selective: false, content: 'C' })]);
    assert.deepEqual(names(activate(b, ['the castle'])), ['C']);
  });

  test('keys may use macros, and entry content is expanded', () => {
    const b = book([entry({ keys: ['{{char}}'], content: '{{char}} is a healer.' })]);
    assert.deepEqual(names(activate(b, ['Hello Seraphina'])), ['Seraphina is a healer.']);
  });

  test('recursive scanning lets an entry trigger another (and stops on cycles)', () => {
    const entries = [entry({ keys: ['sword'], content: 'Forged by the elves.' }), entry({ keys: ['elves'], content: 'The elves left.' }), entry({ keys: ['left'], content: 'sword' })];
    assert.deepEqual(names(activate(book(entries), ['a sword'])), ['Forged by the elves.']);
    assert.deepEqual(names(activate(book(entries, { recursive_scanning: true }), ['a sword'])), ['Forged by the elves.', 'The elves left.', 'sword']);
  });
});

describe('lorebook budget and layout', () => {
  test('the highest priority fits first; one that does not fit is skipped and a smaller one still goes', () => {
    const b = book([
      entry({ keys: ['a'], content: 'A'.repeat(60), insertion_order: 1, priority: 10 }),
      entry({ keys: ['a'], content: 'B'.repeat(50), insertion_order: 2, priority: 5 }),
      entry({ keys: ['a'], content: 'C'.repeat(30), insertion_order: 3, priority: 1 }),
    ]);
    const result = activate(b, ['a'], 100);
    assert.deepEqual(names(result), ['A'.repeat(60), 'C'.repeat(30)]);
    assert.deepEqual(result.overBudget.map((e) => e.content), ['B'.repeat(50)]);
    assert.deepEqual([...result.before].map((x) => x.tokens), [60, 30]);
  });

  test('without priority, insertion_order ranks for the budget', () => {
    const b = book([entry({ keys: ['a'], content: 'low', insertion_order: 1 }), entry({ keys: ['a'], content: 'high', insertion_order: 9 })]);
    assert.deepEqual(names(activate(b, ['a'], 4)), ['high']);
  });

  test('kept entries are laid out by insertion_order, split by position', () => {
    const b = book([
      entry({ keys: ['a'], content: 'third', insertion_order: 30 }),
      entry({ keys: ['a'], content: 'after', insertion_order: 5, position: 'after_char' }),
      entry({ keys: ['a'], content: 'first', insertion_order: 10 }),
    ]);
    const result = activate(b, ['a']);
    assert.deepEqual(result.before.map((x) => x.content), ['first', 'third']);
    assert.deepEqual(result.after.map((x) => x.content), ['after']);
  });

  test('a zero budget keeps nothing, constants included', () => {
    const b = book([entry({ constant: true, content: 'always' })]);
    const result = activate(b, [], 0);
    assert.deepEqual(names(result), []);
    assert.equal(result.overBudget.length, 1);
  });
});

describe('parseCharacterBook reads real-world books leniently', () => {
  test('half-filled or broken entries are skipped, not fatal; keys may be a comma string', () => {
    const parsed = parseCharacterBook({
      token_budget: 500,
      entries: [
        { keys: 'sword, blade', content: 'S', enabled: true, insertion_order: 1 },
        { keys: ['x'] },
        'not an entry',
        { keys: ['y'], content: '   ', enabled: true, insertion_order: 1 },
        { keys: ['z'], content: 'Z', enabled: 'yes', insertion_order: 'first', position: 'sideways', comment: 'zed' },
      ],
    });
    assert.ok(parsed);
    assert.equal(parsed.tokenBudget, 500);
    assert.deepEqual(parsed.entries.map((e) => [e.name, e.keys, e.position, e.insertionOrder]), [
      ['sword', ['sword', 'blade'], 'before_char', 1],
      ['zed', ['z'], 'before_char', 100],
    ]);
  });

  test('anything that is not a book is null', () => {
    assert.equal(parseCharacterBook(undefined), null);
    assert.equal(parseCharacterBook({ name: 'no entries' }), null);
    assert.equal(parseCharacterBook('book'), null);
  });
});
