import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TEXT_FORMATTING, formatFor, formatForApi, type FormatChoice } from '../../../../src/server/generation/prompt-pipeline/format-for-api.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT } from '../../../../src/server/generation/bundled-formatting.js';
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

const choice = (api: FormatChoice['api'], prefill = '', text = DEFAULT_TEXT_FORMATTING): FormatChoice => ({
  api,
  tokenizer: charTokenizer,
  prefill,
  text,
  names: { user: 'Ann', char: 'Sera' },
  expand: (t) => t,
});

describe('format for the API', () => {
  test('chat completion: one system block (empty parts left out), the chat, the tail', () => {
    const out = formatForApi(formatFor(choice('chat-completions')), layout);
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
      const out = formatForApi(formatFor(choice(api, 'Sure')), layout);
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

  test('text completion: the story string, the examples as turns, every turn in its sequences, the reply line last', () => {
    const out = formatForApi(formatFor(choice('text-completions', '', { instruct: BUNDLED_INSTRUCT.alpaca!, context: BUNDLED_CONTEXT.instruct! })), {
      ...layout,
      examples: [systemPart('example_dialogue', '<START>\nAnn: Q\nSera: A')],
      open: { ...layout.open, source: { kind: 'default', detail: 'open_turn' } },
    });
    assert.deepEqual(out, {
      kind: 'text',
      prompt: 'SYS\nPER\n\n### Instruction:\nAnn: Q\n\n### Response:\nSera: A\n\n### Instruction:\nAnn: hi\n\n### Input:\nNOTE\n\n### Input:\nPHI\n\n### Response:\nSera:',
    });
  });
});
