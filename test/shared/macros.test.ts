import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandMacros, expandNameMacros, humanizeDuration, type MacroContext } from '../../src/shared/macros.js';

/** Saturday 28 September 2024, 13:02 UTC. */
const NOW = Date.UTC(2024, 8, 28, 13, 2);
const ctx = (over: Partial<MacroContext> = {}): MacroContext => ({
  char: 'Seraphina',
  user: 'Ann',
  now: NOW,
  timeZone: 'UTC',
  random: () => 0,
  ...over,
});
const expand = (text: string, over: Partial<MacroContext> = {}) => expandMacros(text, ctx(over));

describe('macros', () => {
  test('{{char}} and {{user}}, in any case, and the V1 forms <BOT> <CHAR> <USER>', () => {
    assert.equal(expand('{{char}} greets {{user}}. {{CHAR}}/{{User}}'), 'Seraphina greets Ann. Seraphina/Ann');
    assert.equal(expand('<BOT> and <char> meet <USER>'), 'Seraphina and Seraphina meet Ann');
  });

  test('{{time}} {{date}} {{weekday}} {{isotime}} {{isodate}} in the given time zone', () => {
    assert.equal(expand('{{time}}|{{date}}|{{weekday}}|{{isotime}}|{{isodate}}'), '1:02 PM|September 28, 2024|Saturday|13:02|2024-09-28');
    assert.equal(expand('{{isodate}} {{isotime}} {{weekday}}', { timeZone: 'Pacific/Kiritimati' }), '2024-09-29 03:02 Sunday');
  });

  test('{{random:a,b,c}} picks with the random source; {{random::a::b}} allows commas in items', () => {
    assert.equal(expand('{{random:red, green,blue}}', { random: () => 0 }), 'red');
    assert.equal(expand('{{random:red, green,blue}}', { random: () => 0.5 }), 'green');
    assert.equal(expand('{{random:red, green,blue}}', { random: () => 0.9999 }), 'blue');
    assert.equal(expand('{{random::one, two::three}}', { random: () => 0 }), 'one, two');
    assert.equal(expand('{{RANDOM::one, two::three}}', { random: () => 0.7 }), 'three');
  });

  test('{{roll:d6}}, {{roll:2d6+1}}, {{roll:20}} roll dice with the random source', () => {
    assert.equal(expand('{{roll:d6}}', { random: () => 0 }), '1');
    assert.equal(expand('{{roll:d6}}', { random: () => 0.9999 }), '6');
    assert.equal(expand('{{roll:2d6+1}}', { random: () => 0.5 }), '9');
    assert.equal(expand('{{roll:3d4-2}}', { random: () => 0.9999 }), '10');
    assert.equal(expand('{{roll:20}}', { random: () => 0.9999 }), '20');
  });

  test('an impossible roll stays as written (and a huge one is refused, not looped)', () => {
    assert.equal(expand('{{roll:d0}}'), '{{roll:d0}}');
    assert.equal(expand('{{roll:1000000d6}}'), '{{roll:1000000d6}}');
    assert.equal(expand('{{roll:banana}}'), '{{roll:banana}}');
  });

  test('{{description}} {{personality}} {{scenario}} {{persona}} insert their text, expanded', () => {
    const fields = { description: '{{char}} heals.', personality: 'kind', scenario: 'a forest', persona: '{{user}} is lost' };
    assert.equal(expand('{{description}} / {{personality}} / {{scenario}} / {{persona}}', { fields }), 'Seraphina heals. / kind / a forest / Ann is lost');
  });

  test('a field that names itself does not loop', () => {
    const out = expand('{{description}}', { fields: { description: 'A {{description}}' } });
    assert.equal(out, 'A A A A {{description}}');
  });

  test('{{original}} is the default a card prompt replaces', () => {
    assert.equal(expand('{{original}} Stay in character.', { fields: { original: 'Write {{char}}\'s reply.' } }), "Write Seraphina's reply. Stay in character.");
    assert.equal(expand('[{{original}}]'), '[]');
  });

  test('{{lastMessage}} {{lastUserMessage}} {{lastCharMessage}} {{model}}', () => {
    const out = expand('{{lastMessage}}|{{lastUserMessage}}|{{lastCharMessage}}|{{model}}', {
      lastMessage: 'bye',
      lastUserMessage: 'hi',
      lastCharMessage: 'hello',
      model: 'llama-3-8b',
    });
    assert.equal(out, 'bye|hi|hello|llama-3-8b');
  });

  test('{{newline}}, {{noop}}, comments and {{trim}}', () => {
    assert.equal(expand('a{{newline}}b{{noop}}c{{// a note for the author }}d'), 'a\nbcd');
    assert.equal(expand('line one\n\n{{trim}}\nline two'), 'line oneline two');
  });

  test('unknown macros stay as written; text without macros is returned as is', () => {
    assert.equal(expand('{{unknown}} {{char'), '{{unknown}} {{char');
    const plain = 'no macros here < > {';
    assert.equal(expand(plain), plain);
  });

  // SillyTavern's everyday set, as its public/scripts/macros.js and variables.js behave: [text, context, expected]
  const table: Array<[string, Partial<MacroContext>, string]> = [
    // nesting: the inner macros first, then the outer with their results
    ['{{random::{{user}}::{{char}}}}', { random: () => 0.9 }, 'Seraphina'],
    ['{{reverse:{{user}}}}', {}, 'nnA'],
    ['{{setvar::who::{{user}}}}{{getvar::who}}', {}, 'Ann'],
    // what a macro inserts is not read again
    ['{{lastMessage}}', { lastMessage: 'say {{char}}' }, 'say {{char}}'],
    // variables, read as SillyTavern reads them (numbers as numbers, unset as empty)
    ['[{{getvar::missing}}]', {}, '[]'],
    ['{{setvar::x::5}}{{addvar::x::2}}{{getvar::x}}', {}, '7'],
    ['{{addvar::n::1}}{{addvar::n::1}}{{getvar::n}}', {}, '2'],
    ['{{setvar::s::ab}}{{addvar::s::c}}{{getvar::s}}', {}, 'abc'],
    ['{{setvar::list::["a"]}}{{addvar::list::b}}{{getvar::list}}', {}, '["a","b"]'],
    ['{{setvar::x::007}}{{getvar::x}}', {}, '7'],
    ['{{incvar::c}}{{incvar::c}}|{{decvar::c}}', {}, '12|1'],
    ['{{getvar::score}}', { variables: { score: 3 } }, '3'],
    ['{{setvar::x}}', {}, '{{setvar::x}}'],
    // {{random}}: comma lists are trimmed, "\," is a comma inside an item; "::" lists are kept as written
    ['{{random:a\\, b,c}}', { random: () => 0 }, 'a, b'],
    ['{{random:: a :: b }}', { random: () => 0 }, ' a '],
    // the rest of the everyday set
    ['{{idle_duration}}', {}, 'just now'],
    ['{{idle_duration}}', { idleSince: NOW - 2 * 3_600_000 }, '2 hours'],
    ['{{input}}|{{model}}', { input: 'typed', model: 'gpt-4o' }, 'typed|gpt-4o'],
    ['a\r\n{{trim}}\r\nb', {}, 'ab'],
    ['{{// a {{nested}} comment }}x', {}, 'x'],
    ['{{ user }}', {}, 'Ann'],
    // unknown macros, and known ones with arguments they do not take, stay as written
    ['{{unknown}} {{char:x}} {{getvar}} {{time_UTC+2}}', {}, '{{unknown}} {{char:x}} {{getvar}} {{time_UTC+2}}'],
    ['{{ {{user}}', {}, '{{ Ann'],
    ['}} {{user}} }}', {}, '}} Ann }}'],
  ];
  for (const [text, over, want] of table) {
    test(`${JSON.stringify(text)} -> ${JSON.stringify(want)}`, () => assert.equal(expand(text, over), want));
  }

  test('setvar and addvar write the chat variables they were given', () => {
    const variables: Record<string, unknown> = { hp: 10 };
    expand('{{addvar::hp::-3}}{{setvar::mood::calm}}', { variables });
    assert.deepEqual(variables, { hp: 7, mood: 'calm' });
  });

  test('{{pick}} is the same every time for one chat, text and place, and differs between places and chats', () => {
    const text = '{{pick::a::b::c::d::e::f::g::h}} {{pick::a::b::c::d::e::f::g::h}}';
    const picks = (pickSeed: string) => expand(text, { pickSeed, random: () => { throw new Error('pick must not use the random source'); } });
    assert.equal(picks('chat-1'), picks('chat-1'));
    const seen = new Set(Array.from({ length: 20 }, (_, i) => picks(`chat-${i}`)));
    assert.ok(seen.size > 5, `picks vary between chats: ${[...seen].join(' | ')}`);
    const [first, second] = picks('chat-1').split(' ');
    assert.ok(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].includes(first!) && ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].includes(second!));
  });

  test("{{idle_duration}} words durations as moment's humanize does", () => {
    const cases: Array<[number, string]> = [
      [30_000, 'a few seconds'],
      [60_000, 'a minute'],
      [10 * 60_000, '10 minutes'],
      [50 * 60_000, 'an hour'],
      [5 * 3_600_000, '5 hours'],
      [23 * 3_600_000, 'a day'],
      [3 * 86_400_000, '3 days'],
      [30 * 86_400_000, 'a month'],
      [100 * 86_400_000, '3 months'],
      [400 * 86_400_000, 'a year'],
      [800 * 86_400_000, '2 years'],
    ];
    for (const [ms, want] of cases) assert.equal(humanizeDuration(ms), want, String(ms));
  });

  test('a text of many unclosed or deeply nested braces is expanded in linear time and left as written', () => {
    const unclosed = '{{'.repeat(50_000);
    assert.equal(expand(unclosed), unclosed);
    const deep = `${'{{random::'.repeat(2000)}x${'}}'.repeat(2000)}`;
    assert.equal(typeof expand(deep), 'string');
  });

  test('the client shows names only: {{user}} and {{char}}, the rest as stored', () => {
    const names = { user: 'Ann', char: 'Seraphina' };
    assert.equal(expandNameMacros('Hello {{user}}, I am {{char}}. <USER>/<BOT>', names), 'Hello Ann, I am Seraphina. Ann/Seraphina');
    assert.equal(expandNameMacros('{{roll:d6}} {{getvar::x}} {{time}}', names), '{{roll:d6}} {{getvar::x}} {{time}}');
    assert.equal(expandNameMacros('plain', names), 'plain');
  });
});
