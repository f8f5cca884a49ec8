import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  activeSystemPrompt,
  AuthorsNoteDefaults,
  authorsNoteMetadata,
  chatAuthorsNote,
  promptSettingsOf,
} from '../../src/shared/api/prompt-settings.js';

const defaults = AuthorsNoteDefaults.parse({ prompt: 'DEFAULT' });

describe('prompt settings', () => {
  test("a chat's note from SillyTavern's metadata keys: numbers for position and role, unreadable values take the defaults", () => {
    // [metadata, prompt, interval, position, depth, role]
    const cases: Array<[Record<string, unknown>, string, number, string, number, string]> = [
      [{}, 'DEFAULT', 1, 'in_chat', 4, 'system'],
      [{ note_prompt: 'N', note_interval: 3, note_depth: 0, note_position: 0, note_role: 2 }, 'N', 3, 'after_scenario', 0, 'assistant'],
      [{ note_prompt: '', note_position: 2, note_role: 1 }, '', 1, 'before_prompt', 4, 'user'],
      [{ note_interval: '2', note_depth: '6' }, 'DEFAULT', 2, 'in_chat', 6, 'system'],
      [{ note_prompt: 5, note_interval: -1, note_depth: 1.5, note_position: 7, note_role: 'x' }, 'DEFAULT', 1, 'in_chat', 4, 'system'],
      [{ note_interval: null, note_depth: '' }, 'DEFAULT', 1, 'in_chat', 4, 'system'],
    ];
    for (const [metadata, prompt, interval, position, depth, role] of cases) {
      assert.deepEqual(chatAuthorsNote(metadata, defaults), { prompt, interval, position, depth, role }, JSON.stringify(metadata));
    }
  });

  test('a change to a note is written as the keys it changes, in SillyTavern\'s numbers, and reads back the same', () => {
    assert.deepEqual(authorsNoteMetadata({ position: 'before_prompt', role: 'assistant' }), { note_position: 2, note_role: 2 });
    const full = { prompt: 'P', interval: 2, position: 'after_scenario' as const, depth: 3, role: 'user' as const };
    assert.deepEqual(chatAuthorsNote(authorsNoteMetadata(full), defaults), full);
  });

  test('settings of the wrong type read as their defaults; an active preset that is gone means the first', () => {
    const settings = promptSettingsOf({ prompt: { systemPrompts: 'nope', preferCardSystemPrompt: 'yes', startReplyWith: 7, authorsNote: { depth: -3 } } });
    assert.equal(settings.systemPrompts.length, 1);
    assert.equal(settings.preferCardSystemPrompt, true);
    assert.equal(settings.startReplyWith, '');
    assert.equal(settings.authorsNote.depth, 4);
    const presets = promptSettingsOf({ prompt: { systemPrompts: [{ id: 'a', name: 'A', content: 'x' }], activeSystemPrompt: 'gone' } });
    assert.equal(activeSystemPrompt(presets)?.id, 'a');
    assert.equal(promptSettingsOf({ prompt: [] }).continuePrefill, true);
  });
});
