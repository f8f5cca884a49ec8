import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandPart } from '../../../../src/server/generation/prompt-pipeline/expand-parts.js';
import type { MacroRule } from '../../../../src/server/generation/prompt-pipeline/prompt-parts.js';
import type { MacroContext } from '../../../../src/shared/macros.js';
import { systemPart } from '../../../support/prompt-parts.js';

const ctx: MacroContext = { char: 'Sera', user: 'Ann', now: 0, timeZone: 'UTC', random: () => 0 };

describe('expand macros by rule', () => {
  // rule, text as gathered, text after the stage
  const cases: Array<[MacroRule, string, string]> = [
    [{ kind: 'none' }, '{{user}}', '{{user}}'],
    [{ kind: 'text' }, ' {{user}} ', ' Ann '],
    [{ kind: 'text', label: '<START>\n' }, '{{char}}: hi', '<START>\nSera: hi'],
    [{ kind: 'field', label: 'Label: ' }, ' {{char}} heals ', 'Label: Sera heals'],
    [{ kind: 'field', label: 'Label: ' }, '   ', ''],
    [{ kind: 'field', label: 'Label: ' }, '{{noop}}', 'Label: '],
    [{ kind: 'override', original: 'Default {{char}}' }, ' {{original}} and more ', 'Default Sera and more'],
    [{ kind: 'override', original: '' }, '{{original}}', ''],
  ];
  for (const [rule, text, want] of cases) {
    test(`${rule.kind}: ${JSON.stringify(text)} -> ${JSON.stringify(want)}`, () => {
      const out = expandPart(systemPart('description', text, rule), ctx);
      assert.equal(out.text, want);
      assert.deepEqual(out.macros, { kind: 'none' });
    });
  }
});
