import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandMacros, type MacroContext } from '../../../src/server/generation/macros.js';

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
});
