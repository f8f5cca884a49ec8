import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatFor, formatForApi, instructTemplate } from '../../../../src/server/generation/prompt-pipeline/format-for-api.js';
import { charTokenizer, depthPart, messagePart, systemPart } from '../../../support/prompt-parts.js';

const layout = {
  system: [systemPart('system_prompt', 'SYS'), systemPart('description', ''), systemPart('persona', 'PER')],
  examples: [systemPart('example_dialogue', '<START>\nEX')],
  chat: [
    { part: messagePart('m1', 'user', 'hi'), injected: false },
    { part: depthPart(0, 'system', 'NOTE'), injected: true },
  ],
  tail: [systemPart('post_history_instructions', 'PHI')],
  open: { ...messagePart('open', 'assistant', ''), name: 'Sera' },
};

describe('format for the API', () => {
  test('chat completion: one system block (empty parts left out), the chat, the tail', () => {
    const out = formatForApi(formatFor('chat-completions', charTokenizer, instructTemplate(null), ''), layout);
    assert.deepEqual(out, {
      kind: 'chat',
      messages: [
        { role: 'system', content: 'SYS\nPER\n<START>\nEX' },
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'NOTE' },
        { role: 'system', content: 'PHI' },
      ],
    });
  });

  for (const api of ['anthropic', 'google'] as const) {
    test(`${api}: the neutral form, leading system turns as system parts, the prefill last`, () => {
      const out = formatForApi(formatFor(api, charTokenizer, instructTemplate(null), 'Sure'), layout);
      assert.deepEqual(out, {
        kind: 'neutral',
        prompt: {
          system: ['SYS\nPER\n<START>\nEX'],
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'system', content: 'NOTE' },
            { role: 'system', content: 'PHI' },
          ],
          prefill: 'Sure',
        },
      });
    });
  }

  test('text completion: the instruct template around each turn, names inside, the open header last', () => {
    const out = formatForApi(formatFor('text-completions', charTokenizer, instructTemplate('alpaca'), ''), layout);
    assert.deepEqual(out, { kind: 'text', prompt: 'SYS\nPER\n<START>\nEX\n\n### Instruction:\nAnn: hi\n\nNOTE\n\nPHI\n\n### Response:\nSera:' });
  });

  test('ChatML when no template is named', () => assert.equal(instructTemplate(undefined).name, 'chatml'));
});
