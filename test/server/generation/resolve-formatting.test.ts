import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formattingSettingsOf } from '../../../src/shared/api/text-formatting.js';
import { resolveContext, resolveInstruct, samplerPresetById } from '../../../src/server/generation/resolve-formatting.js';

const mine = { name: 'Mine', input_sequence: '<me>' };
const settings = formattingSettingsOf({
  formatting: {
    instruct: { mine, chatml: { name: 'My ChatML' }, broken: { name: 'Broken', wrap: 'yes' } },
    context: { story: { name: 'Story', story_string: '{{description}}' } },
    samplerPresets: { warm: { name: 'Warm', samplers: { temperature: 0.8 } }, hot: { name: 'Hot', samplers: { temperature: 99 } } },
    activeInstruct: 'mine',
    activeContext: 42,
  },
});

describe('which template an id names', () => {
  const cases: Array<[id: string | null, expectedId: string, expectedName: string]> = [
    ['mine', 'mine', 'Mine'],
    ['llama3', 'llama3', 'Llama 3'],
    // Saved under a bundled id: the user's replaces the bundled one.
    ['chatml', 'chatml', 'My ChatML'],
    // The ids connections stored before templates were editable.
    ['mistral', 'mistral-v3', 'Mistral V2 & V3'],
    ['alpaca', 'alpaca', 'Alpaca'],
    // Deleted since, or never valid: the user's default.
    ['gone', 'mine', 'Mine'],
    ['broken', 'mine', 'Mine'],
    [null, 'mine', 'Mine'],
  ];
  for (const [id, expectedId, expectedName] of cases) {
    test(`instruct ${JSON.stringify(id)} -> ${expectedId}`, () => {
      const resolved = resolveInstruct(settings, id);
      assert.equal(resolved.id, expectedId);
      assert.equal(resolved.template.name, expectedName);
    });
  }

  test("no default of the user's: Parley's (ChatML, the context without separators)", () => {
    const none = formattingSettingsOf({});
    assert.equal(resolveInstruct(none, 'gone').id, 'chatml');
    assert.equal(resolveContext(none, '').id, 'instruct');
    assert.equal(resolveContext(settings, 'story').template.story_string, '{{description}}');
    assert.equal(resolveContext(settings, 'gone').id, 'instruct', 'an active id of the wrong type is ignored');
  });

  test('sampler presets by id; one out of range is left out', () => {
    assert.deepEqual(samplerPresetById(settings, 'warm'), { name: 'Warm', samplers: { temperature: 0.8 } });
    assert.equal(samplerPresetById(settings, 'hot'), undefined);
    assert.equal(samplerPresetById(settings, null), undefined);
  });
});
