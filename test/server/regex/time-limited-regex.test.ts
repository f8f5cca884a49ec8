import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TimeLimitedRegex } from '../../../src/server/regex/time-limited-regex.js';

const regex = new TimeLimitedRegex({ perRegexMs: 300, perCallMs: 5_000 });
after(() => regex.close());

const CATASTROPHIC = { source: '(a+)+$', flags: '' };
const HAYSTACK = `${'a'.repeat(40)}!`;

test('a pattern past its time limit counts as no match; the others of the call still run, in a new worker', async () => {
  const result = await regex.test([{ text: HAYSTACK, regexes: [{ source: 'a{3}', flags: '' }, CATASTROPHIC, { source: '!$', flags: '' }, { source: 'A', flags: 'i' }] }]);
  assert.deepEqual(result.matches, [[true, false, true, true]]);
  assert.deepEqual(result.slow, [CATASTROPHIC]);
});

test('a pattern once slow is not run again: the next call answers without waiting for its limit', async () => {
  const started = performance.now();
  const result = await regex.test([{ text: HAYSTACK, regexes: [CATASTROPHIC, { source: 'b', flags: '' }] }]);
  assert.ok(performance.now() - started < 300, 'answered before a second time limit could pass');
  assert.deepEqual(result.matches, [[false, false]]);
  assert.deepEqual(result.slow, [CATASTROPHIC]);
});

test('g and y do not carry state from one test to the next; several texts in one call', async () => {
  const g = { source: 'x', flags: 'g' };
  const result = await regex.test([
    { text: 'x x', regexes: [g, g] },
    { text: 'yx', regexes: [{ source: 'x', flags: 'y' }, g] },
  ]);
  assert.deepEqual(result.matches, [[true, true], [false, true]]);
});
