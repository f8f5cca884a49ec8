import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ZipEntryNames } from '../../../src/server/formats/zip-entry-names.js';

describe('zip entry names', () => {
  test('every name is one safe path segment, whatever the display name', () => {
    const names = new ZipEntryNames();
    const hostile = ['../../etc/passwd', '..', '.hidden', 'a\\b', 'nul\u0000byte', 'bell\u0007', 'C:evil', 'CON', 'x'.repeat(500), '', '   '];
    for (const displayName of hostile) {
      const name = names.claim('chats', displayName, '.jsonl');
      assert.ok(name.length > 0 && name.length <= 110, `${JSON.stringify(displayName)} -> ${JSON.stringify(name)}`);
      assert.ok(!name.startsWith('.') && !name.includes('..'), name);
      assert.doesNotMatch(name, /[/\\:*?"<>|\u0000-\u001f]/, name);
      assert.notEqual(name.toUpperCase(), 'CON', 'a Windows device name is never a file name');
    }
  });

  test('names are unique per folder ignoring case; the same name in another folder is free', () => {
    const names = new ZipEntryNames();
    assert.equal(names.claim('characters', 'Seraphina', '.png'), 'Seraphina');
    assert.equal(names.claim('characters', 'seraphina', '.png'), 'seraphina (2)');
    assert.equal(names.claim('characters', 'Seraphina', '.png'), 'Seraphina (3)');
    assert.equal(names.claim('characters', 'Seraphina', '.json'), 'Seraphina', 'another extension is another file');
    assert.equal(names.claim('chats/Seraphina', 'Seraphina', '.jsonl'), 'Seraphina');
  });
});
