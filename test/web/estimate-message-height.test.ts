import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateMessageHeight } from '../../src/web/features/chat/estimate-message-height.js';

const DESKTOP = 1280;
const PHONE = 390;

test('a one-line message is guessed at the height Chromium gives it (122 px at desktop width, 116 on a phone)', () => {
  assert.equal(estimateMessageHeight('ok', DESKTOP), 122);
  assert.equal(estimateMessageHeight('ok', PHONE), 116);
  assert.equal(estimateMessageHeight('', DESKTOP), 122, 'an empty message still has one line');
});

test('each line of text adds a line; a paragraph break adds a little more', () => {
  assert.equal(estimateMessageHeight('a\nb\nc\nd', DESKTOP), 122 + 3 * 24);
  assert.equal(estimateMessageHeight('a\n\nb', DESKTOP), 122 + 24 + 6);
  assert.equal(estimateMessageHeight('a\n\n\n\nb', DESKTOP), 122 + 24 + 6, 'several blank lines are one break');
});

test('long text wraps into more lines on a narrower screen', () => {
  const long = 'A long paragraph '.repeat(40);
  const desktop = estimateMessageHeight(long, DESKTOP);
  const phone = estimateMessageHeight(long, PHONE);
  // Measured in Chromium: 290 px and 572 px.
  assert.ok(Math.abs(desktop - 290) <= 24, `desktop ${desktop}`);
  assert.ok(Math.abs(phone - 572) <= 72, `phone ${phone}`);
  assert.ok(estimateMessageHeight(long, 700) > desktop, 'a window narrower than the list wraps sooner');
  assert.equal(estimateMessageHeight(long, 2560), desktop, 'the list stops widening at 52rem');
});
