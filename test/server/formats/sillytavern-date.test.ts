import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSillyTavernCreateDate, parseSillyTavernDate } from '../../../src/server/formats/sillytavern-date.js';

describe('SillyTavern dates', () => {
  it('reads every form SillyTavern has written, as UTC', () => {
    const cases: [unknown, string | null][] = [
      [1687184400000, '2023-06-19T14:20:00.000Z'],
      ['1687184400000', '2023-06-19T14:20:00.000Z'],
      ['2024-09-28T01:02:03.456Z', '2024-09-28T01:02:03.456Z'],
      ['2024-09-28T03:02:03+02:00', '2024-09-28T01:02:03.000Z'],
      ['2024-09-28T01:02:03', '2024-09-28T01:02:03.000Z'],
      ['2024-09-28 01:02', '2024-09-28T01:02:00.000Z'],
      ['2024-09-28', '2024-09-28T00:00:00.000Z'],
      ['June 19, 2023 2:20pm', '2023-06-19T14:20:00.000Z'],
      ['September 28, 2024 1:02am', '2024-09-28T01:02:00.000Z'],
      ['September 28, 2024 1:02 AM', '2024-09-28T01:02:00.000Z'],
      ['December 1, 2024 12:05am', '2024-12-01T00:05:00.000Z'],
      ['December 1, 2024 12:05pm', '2024-12-01T12:05:00.000Z'],
      ['Sep 28, 2024 13:02', '2024-09-28T13:02:00.000Z'],
      ['2023-5-12 @21h 32m 29s 224ms', '2023-05-12T21:32:29.224Z'],
      ['2024-09-28@01h02m03s', '2024-09-28T01:02:03.000Z'],
      ['2024-9-8@1h2m3s', '2024-09-08T01:02:03.000Z'],
      // Not dates, or impossible ones.
      ['February 31, 2024 1:00pm', null],
      ['Smarch 3, 2024 1:00pm', null],
      ['June 19, 2023 13:20pm', null],
      ['yesterday', null],
      ['', null],
      [null, null],
      [{}, null],
      [Number.NaN, null],
      [1e20, null],
    ];
    for (const [input, expected] of cases) assert.equal(parseSillyTavernDate(input), expected, String(input));
  });

  it('reads an instant as toISOString writes it as itself, and one a calendar rolls over as the day it lands on', () => {
    const cases: [string, string | null][] = [
      ['0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
      ['9999-12-28T23:59:59.999Z', '9999-12-28T23:59:59.999Z'],
      ['2024-02-29T12:00:00.000Z', '2024-02-29T12:00:00.000Z'],
      ['2024-02-30T12:00:00.000Z', '2024-03-01T12:00:00.000Z'],
      ['2023-02-29T00:00:00.000Z', '2023-03-01T00:00:00.000Z'],
      ['2024-04-31T00:00:00.000Z', '2024-05-01T00:00:00.000Z'],
      ['2024-01-01T24:00:00.000Z', '2024-01-02T00:00:00.000Z'],
      [' 2024-01-01T10:00:00.000Z ', '2024-01-01T10:00:00.000Z'],
      ['2024-13-01T00:00:00.000Z', null],
      ['2024-01-00T00:00:00.000Z', null],
      ['2024-01-01T23:60:00.000Z', null],
    ];
    for (const [input, expected] of cases) assert.equal(parseSillyTavernDate(input), expected, input);
  });

  it('writes create_date as SillyTavern does, and reads it back', () => {
    const text = formatSillyTavernCreateDate('2024-09-08T01:02:03.999Z');
    assert.equal(text, '2024-09-08@01h02m03s');
    assert.equal(parseSillyTavernDate(text), '2024-09-08T01:02:03.000Z');
  });
});
