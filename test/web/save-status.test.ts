import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../src/web/sync/backoff-delay.js';
import { deriveSaveState, describeSaveStatus } from '../../src/web/sync/save-status.js';

test('one status, in these words, and never "could not be saved"', () => {
  const said = [
    describeSaveStatus({ state: deriveSaveState(0, true, true), pending: 0 }),
    describeSaveStatus({ state: deriveSaveState(1, false, false), pending: 1 }),
    describeSaveStatus({ state: deriveSaveState(5, true, false), pending: 5 }),
    describeSaveStatus({ state: deriveSaveState(1, true, false), pending: 1 }),
    describeSaveStatus({ state: deriveSaveState(2, true, true), pending: 2 }),
  ];
  assert.deepEqual(said, ['Saved', 'Saving…', 'Offline — 5 changes waiting', 'Offline — 1 change waiting', 'Sign in to save 2 changes']);
  for (const text of said) assert.doesNotMatch(text, /could not be saved/i);
});

test('backoff doubles from 250-500 ms to a 15-30 s cap, never immediate', () => {
  assert.equal(backoffDelay(1, () => 0), 250);
  assert.equal(backoffDelay(1, () => 1), 500);
  assert.equal(backoffDelay(3, () => 0), 1000);
  assert.equal(backoffDelay(30, () => 0), 15_000);
  assert.equal(backoffDelay(30, () => 1), 30_000);
  for (let attempt = 1; attempt < 40; attempt++) assert.ok(backoffDelay(attempt) >= 250);
});
