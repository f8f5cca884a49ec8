import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keysText, parseKeysText } from '../../src/web/features/worlds/keys-text.js';

test('keys typed as one line: commas split, a regex keeps its own commas and flags', () => {
  const cases: [string, string[]][] = [
    ['sword, shield ,  axe', ['sword', 'shield', 'axe']],
    ['', []],
    [' , ,', []],
    ['red dragon, wyrm', ['red dragon', 'wyrm']],
    ['/a{1,3}b/i, sword', ['/a{1,3}b/i', 'sword']],
    ['sword, /x\\/y,z/g', ['sword', '/x\\/y,z/g']],
    ['/unclosed, regex', ['/unclosed', 'regex']],
    ['/a/b/, c', ['/a/b/', 'c']],
  ];
  for (const [text, keys] of cases) assert.deepEqual(parseKeysText(text), keys, text);
  assert.equal(keysText(['/a{1,3}/', 'b']), '/a{1,3}/, b');
  assert.deepEqual(parseKeysText(keysText(['/a{1,3}/', 'b c'])), ['/a{1,3}/', 'b c']);
});
