import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonNestsDeeperThan } from '../../../src/server/formats/json-text.js';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

test('the depth of JSON text is read from its brackets, whether there are few or many, and never inside strings', () => {
  const cases: [string, string, boolean][] = [
    ['exactly the limit', nested(4), false],
    ['one past it', nested(5), true],
    ['objects and arrays mixed', '{"a":[{"b":[{}]}]}', true],
    ['more brackets than the limit, none deep', `[${Array(20).fill('[]').join(',')}]`, false],
    ['many brackets, the deep part last', `[${Array(20).fill('{}').join(',')},${nested(4)}]`, true],
    ['brackets inside a string', `["${nested(10)}"]`, false],
    ['an escaped quote does not end the string', `["\\"${nested(10)}"]`, false],
    ['a string ends at its unescaped quote', `["\\\\",${nested(4)}]`, true],
  ];
  for (const [name, text, deeper] of cases) assert.equal(jsonNestsDeeperThan(text, 4), deeper, name);
});
