import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { placeInjections } from '../../../../src/server/generation/prompt-pipeline/place-injections.js';
import { depthPart, messagePart } from '../../../support/prompt-parts.js';

const history = ['u1', 'a1', 'u2', 'a2', 'u3'].map((t, i) => messagePart(`m${i}`, t.startsWith('u') ? 'user' : 'assistant', t));
const order = (items: ReturnType<typeof placeInjections>) => items.map((i) => i.part.text);

describe('place depth injections (SillyTavern doChatInject)', () => {
  // [depth, continuing, expected order]
  const cases: Array<[string, Parameters<typeof depthPart>[], boolean, string[]]> = [
    ['depth 0 goes after the newest message', [[0, 'system', 'X']], false, ['u1', 'a1', 'u2', 'a2', 'u3', 'X']],
    ['depth 1 before the newest', [[1, 'system', 'X']], false, ['u1', 'a1', 'u2', 'a2', 'X', 'u3']],
    ['depth 4 before the four newest', [[4, 'system', 'X']], false, ['u1', 'X', 'a1', 'u2', 'a2', 'u3']],
    ['a depth past the oldest goes first', [[50, 'system', 'X']], false, ['X', 'u1', 'a1', 'u2', 'a2', 'u3']],
    ['deeper than 1000 is not sent', [[1001, 'system', 'X']], false, ['u1', 'a1', 'u2', 'a2', 'u3']],
    [
      'at one depth: assistant, user, then system nearest the end',
      [[1, 'system', 'S'], [1, 'assistant', 'A'], [1, 'user', 'U']],
      false,
      ['u1', 'a1', 'u2', 'a2', 'A', 'U', 'S', 'u3'],
    ],
    [
      'two depths keep their distances from the end',
      [[2, 'system', 'D2'], [0, 'system', 'D0']],
      false,
      ['u1', 'a1', 'u2', 'D2', 'a2', 'u3', 'D0'],
    ],
    ['continuing: the continued reply counts, so depth 1 goes at the end of the history', [[1, 'system', 'X']], true, ['u1', 'a1', 'u2', 'a2', 'u3', 'X']],
    ['continuing: depth 0 too', [[0, 'system', 'X']], true, ['u1', 'a1', 'u2', 'a2', 'u3', 'X']],
    ['continuing: depth 2 before the newest kept message', [[2, 'system', 'X']], true, ['u1', 'a1', 'u2', 'a2', 'X', 'u3']],
  ];
  for (const [name, injections, continuing, want] of cases) {
    test(name, () => {
      const placed = placeInjections(history, injections.map((args) => depthPart(...args)), continuing);
      assert.deepEqual(order(placed), want);
      assert.ok(placed.every((item) => item.injected === !item.part.text.match(/^[ua]\d$/)));
    });
  }

  test('the history is not changed in place', () => {
    const copy = [...history];
    placeInjections(history, [depthPart(0, 'system', 'X')], false);
    assert.deepEqual(history, copy);
  });
});
