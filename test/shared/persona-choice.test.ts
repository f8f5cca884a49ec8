import assert from 'node:assert/strict';
import { test } from 'node:test';
import { becomesDefault, choosePersona } from '../../src/shared/persona-choice.js';

const ann = { id: 'ann-0001', isDefault: true };
const bea = { id: 'bea-0001', isDefault: false };
const cleo = { id: 'cleo-0001', isDefault: false };

// SillyTavern's order: the chat's lock, then the character's, then the default. Gone ids count as none.
const cases: [string, { chat: string | null; character: string | null }, typeof ann[], string | null, string | null][] = [
  ['nothing chosen: the default', { chat: null, character: null }, [ann, bea], 'ann-0001', 'default'],
  ['locked to the character', { chat: null, character: 'bea-0001' }, [ann, bea], 'bea-0001', 'character'],
  ['chosen for the chat wins over the lock', { chat: 'cleo-0001', character: 'bea-0001' }, [ann, bea, cleo], 'cleo-0001', 'chat'],
  ['a deleted chat choice falls to the lock', { chat: 'gone-0001', character: 'bea-0001' }, [ann, bea], 'bea-0001', 'character'],
  ['a deleted lock falls to the default', { chat: null, character: 'gone-0001' }, [ann, bea], 'ann-0001', 'default'],
  ['no default and nothing chosen: nobody', { chat: null, character: null }, [bea, cleo], null, null],
  ['no personas at all: nobody', { chat: 'bea-0001', character: 'bea-0001' }, [], null, null],
];

for (const [what, ids, personas, id, source] of cases) {
  test(`who speaks: ${what}`, () => {
    const choice = choosePersona(personas, ids);
    assert.deepEqual([choice?.persona.id ?? null, choice?.source ?? null], [id, source]);
  });
}

test('an account’s first persona becomes its default; later ones only when asked', () => {
  assert.deepEqual(
    [becomesDefault(false, 0), becomesDefault(true, 0), becomesDefault(false, 2), becomesDefault(true, 2)],
    [true, true, false, true],
  );
});
