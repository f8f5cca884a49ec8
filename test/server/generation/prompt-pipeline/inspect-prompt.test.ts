import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assemblePrompt } from '../../../../src/server/generation/prompt-assembly.js';
import type { PromptAssemblyInput } from '../../../../src/server/generation/prompt-pipeline/prompt-parts.js';
import { charTokenizer, message } from '../../../support/prompt-parts.js';

const history = [message('user', 'u1'), message('assistant', 'a1'), message('user', 'u2'), message('assistant', 'a2')];
const input = (over: Partial<PromptAssemblyInput> = {}): PromptAssemblyInput => ({
  card: { name: 'Sera', description: 'Desc', personality: '', scenario: '', first_mes: '', mes_example: '<START>\nE1\n<START>\nE2', system_prompt: 'SYS', post_history_instructions: 'PHI' },
  persona: { name: 'Ann', description: '' },
  history,
  mode: 'new',
  api: 'chat-completions',
  model: 'm',
  settings: { context_size: 10_000, max_tokens: 100 },
  tokenizer: charTokenizer,
  now: 0,
  random: () => 0,
  worldInfo: {
    before: '',
    after: '',
    examplesTop: [],
    examplesBottom: [],
    injections: [{ depth: 1, role: 'system', text: 'WI' }],
    authorsNoteTop: [],
    authorsNoteBottom: [],
    inspection: { entries: [], budget: { used: 2, limit: 100, overflowed: false }, problems: [], steps: [] } as never,
  },
  ...over,
});
const rows = (r: ReturnType<typeof assemblePrompt>) =>
  r.inspection.sections!.map((s) => [s.part, `${s.source.kind}:${s.source.detail}`, s.role, s.tokens, s.included, s.depth]);

describe('inspection', () => {
  test('every section in prompt order with where it came from, its tokens, and the depth of what was injected', () => {
    const r = assemblePrompt(input());
    assert.deepEqual(rows(r), [
      ['system_prompt', 'card:system_prompt', 'system', 3, true, undefined],
      ['description', 'card:description', 'system', 4, true, undefined],
      ['example_dialogue', 'card:mes_example', 'system', 10, true, undefined],
      ['example_dialogue', 'card:mes_example', 'system', 10, true, undefined],
      ['history', `message:${history[0]!.id}`, 'user', 2, true, undefined],
      ['history', `message:${history[1]!.id}`, 'assistant', 2, true, undefined],
      ['history', `message:${history[2]!.id}`, 'user', 2, true, undefined],
      ['lorebook', 'world_info:at_depth', 'system', 2, true, 1],
      ['history', `message:${history[3]!.id}`, 'assistant', 2, true, undefined],
      ['post_history_instructions', 'card:post_history_instructions', 'system', 3, true, undefined],
    ]);
  });

  test('examples the budget left out are listed as not included; dropped messages are counted, not listed', () => {
    // Fixed: system block 8 + 4, injection 2 + 4, tail 3 + 4, open 3 = 28; each message 6; one example 11.
    const r = assemblePrompt(input({ settings: { context_size: 150, max_tokens: 100 } }));
    assert.deepEqual(
      r.inspection.sections!.filter((s) => s.part === 'example_dialogue').map((s) => s.included),
      [false, false],
    );
    assert.equal(r.inspection.history.dropped, 1);
    assert.equal(r.inspection.sections!.filter((s) => s.part === 'history').length, 3);
  });

  test('the parts still add up to the total', () => {
    const r = assemblePrompt(input());
    assert.equal(r.inspection.parts.reduce((s, p) => s + p.tokens, 0), r.inspection.totalTokens);
  });

  test("continue lists the continued reply last in the chat, Anthropic's prefill after the tail", () => {
    const cont = assemblePrompt(input({ mode: 'continue' }));
    const chatRows = rows(cont).filter((row) => row[0] === 'history');
    assert.equal(chatRows.at(-1)![1], `message:${history[3]!.id}`);
    const prefilled = assemblePrompt(input({ api: 'anthropic', settings: { context_size: 10_000, max_tokens: 100, assistant_prefill: 'Sure' } }));
    assert.deepEqual(rows(prefilled).at(-1), ['history', 'settings:assistant_prefill', 'assistant', 4, true, undefined]);
  });
});
