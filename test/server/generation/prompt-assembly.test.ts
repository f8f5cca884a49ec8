import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CardData } from '../../../src/shared/api/characters.js';
import type { Message } from '../../../src/shared/api/chats.js';
import type { GenerationMode } from '../../../src/shared/api/generation.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT } from '../../../src/server/generation/bundled-formatting.js';
import { assemblePrompt, type PromptAssemblyInput } from '../../../src/server/generation/prompt-assembly.js';
import type { Tokenizer } from '../../../src/server/generation/tokenizer.js';
import { loadTokenizer } from '../../../src/server/generation/tokenizer.js';
import { worldInfoForPrompt } from '../../../src/server/generation/world-info/world-info-prompt.js';
import { message } from '../../support/prompt-parts.js';
import { scanEntries, sharedRegex, stEntry } from '../../support/world-books.js';

/** One token per character: budgets in these tests can be worked out by hand. */
const charTokenizer: Tokenizer = { info: { name: 'chars', exact: true, label: 'chars' }, count: (t) => t.length };

const card = (over: Partial<CardData> = {}): CardData => ({
  name: 'Sera',
  description: '',
  personality: '',
  scenario: '',
  first_mes: '',
  mes_example: '',
  system_prompt: 'SYS',
  ...over,
});


const assemble = (over: Partial<PromptAssemblyInput> = {}) =>
  assemblePrompt({
    card: card(),
    persona: { name: 'Ann', description: '' },
    history: [],
    mode: 'new',
    api: 'chat-completions',
    model: 'test-model',
    settings: { context_size: 100_000, max_tokens: 1000 },
    tokenizer: charTokenizer,
    now: Date.UTC(2024, 8, 28, 13, 2),
    timeZone: 'UTC',
    random: () => 0,
    ...over,
  });

const chatOf = (r: ReturnType<typeof assemble>) => {
  assert.equal(r.prompt.kind, 'chat');
  return r.prompt.kind === 'chat' ? r.prompt.messages : [];
};
const textOf = (r: ReturnType<typeof assemble>) => {
  assert.equal(r.prompt.kind, 'text');
  return r.prompt.kind === 'text' ? r.prompt.prompt : '';
};
const part = (r: ReturnType<typeof assemble>, name: string) => r.inspection.parts.find((p) => p.part === name)?.tokens;

describe('chat completion layout', () => {
  test('one system message with the card and persona, then the history by role, macros expanded everywhere', () => {
    const r = assemble({
      card: card({
        system_prompt: '',
        description: '{{char}} is a healer who found {{user}}.',
        personality: 'kind',
        scenario: 'A forest at {{time}}.',
      }),
      persona: { name: 'Ann', description: '{{user}} is a traveller.' },
      history: [message('assistant', 'Hello {{user}}!'), message('user', 'Hi {{char}}.')],
    });
    assert.deepEqual(chatOf(r), [
      {
        role: 'system',
        content: [
          "Write Sera's next reply in a fictional chat between Sera and Ann.",
          'Sera is a healer who found Ann.',
          "Sera's personality: kind",
          'Scenario: A forest at 1:02 PM.',
          'Ann is a traveller.',
        ].join('\n'),
      },
      { role: 'assistant', content: 'Hello Ann!' },
      { role: 'user', content: 'Hi Sera.' },
    ]);
    assert.deepEqual(r.stop, []);
    assert.equal(r.target, null);
  });

  test("a card's system prompt replaces the default and can include it as {{original}}", () => {
    const r = assemble({ card: card({ system_prompt: '{{original}} Never speak for {{user}}.' }) });
    assert.equal(chatOf(r)[0]?.content, "Write Sera's next reply in a fictional chat between Sera and Ann. Never speak for Ann.");
  });

  test('post-history instructions come after the history', () => {
    const r = assemble({ card: card({ post_history_instructions: 'Reply in {{random:one,two}} paragraph.' }), history: [message('user', 'Hi')] });
    assert.deepEqual(chatOf(r).slice(1), [
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'Reply in one paragraph.' },
    ]);
    assert.equal(part(r, 'post_history_instructions'), 'Reply in one paragraph.'.length);
  });

  test('example dialogue is split on <START> and sent as blocks after the persona', () => {
    const r = assemble({ card: card({ mes_example: '<START>\n{{user}}: Hi\n{{char}}: Hello\n<start>\n{{char}}: *waves*' }) });
    assert.equal(chatOf(r)[0]?.content, 'SYS\n<START>\nAnn: Hi\nSera: Hello\n<START>\nSera: *waves*');
    assert.deepEqual(r.inspection.exampleBlocks, { included: 2, total: 2 });
  });

  test('system messages in the history keep their role', () => {
    const r = assemble({ history: [message('system', 'The scene changes.'), message('user', 'Where are we?')] });
    assert.deepEqual(chatOf(r).slice(1).map((m) => m.role), ['system', 'user']);
  });
});

describe('budget and trimming', () => {
  // Each message is 100 characters; with one token per character and OpenAI's 4 per message, 104 each.
  const history = () => Array.from({ length: 10 }, (_, i) => message(i % 2 ? 'assistant' : 'user', String(i).padEnd(100, '.')));

  test('history is filled newest-first until context_size - max_tokens, and the dropped ones are the oldest', () => {
    const h = history();
    // system "SYS" = 3 + 4, reply priming 3: 10 fixed. Budget 430 leaves 420: four messages (416).
    const r = assemble({ history: h, settings: { context_size: 530, max_tokens: 100 } });
    assert.equal(r.inspection.budget, 430);
    assert.deepEqual(
      chatOf(r).slice(1).map((m) => m.content[0]),
      ['6', '7', '8', '9'],
    );
    assert.deepEqual(r.inspection.history, { included: 4, dropped: 6, firstIncludedMessageId: h[6]!.id });
    assert.equal(r.inspection.totalTokens, 10 + 4 * 104);
    assert.equal(r.inspection.fits, true);
  });

  test('a bigger response length leaves less for the history', () => {
    const r = assemble({ history: history(), settings: { context_size: 530, max_tokens: 300 } });
    assert.equal(r.inspection.history.included, 2);
    assert.ok(r.inspection.totalTokens <= r.inspection.budget);
  });

  test('the newest message always goes, even over budget, and the inspection says it does not fit', () => {
    const r = assemble({ history: [message('user', 'x'.repeat(5000))], settings: { context_size: 1000, max_tokens: 500 } });
    assert.equal(r.inspection.history.included, 1);
    assert.equal(r.inspection.fits, false);
    assert.ok(r.inspection.totalTokens > r.inspection.budget);
  });

  test('example dialogue gives way to history: blocks are kept only while they fit after it', () => {
    const mes_example = `<START>\n${'a'.repeat(100)}\n<START>\n${'b'.repeat(100)}`;
    const roomy = assemble({ card: card({ mes_example }), history: history().slice(0, 2), settings: { context_size: 2000, max_tokens: 100 } });
    assert.deepEqual(roomy.inspection.exampleBlocks, { included: 2, total: 2 });
    // 10 fixed + 2 x 104 history = 218; each block is 108 characters + 1 separator.
    const tight = assemble({ card: card({ mes_example }), history: history().slice(0, 2), settings: { context_size: 450, max_tokens: 100 } });
    assert.deepEqual(tight.inspection.exampleBlocks, { included: 1, total: 2 });
    assert.equal(tight.inspection.history.included, 2);
    assert.ok(tight.inspection.totalTokens <= tight.inspection.budget);
  });

  test('the parts add up to the total, with the real tokenizer too', async () => {
    const tokenizer = await loadTokenizer('gpt-4o');
    for (const api of ['chat-completions', 'text-completions'] as const) {
      const r = assemble({
        api,
        tokenizer,
        card: card({ description: 'A healer of the forest.', personality: 'Kind, patient.', scenario: 'Night.', mes_example: '<START>\n{{char}}: Hello.', post_history_instructions: 'Be brief.' }),
        persona: { name: 'Ann', description: 'A traveller.' },
        history: [message('assistant', 'Welcome, traveller.'), message('user', 'Thank you. Where am I?')],
      });
      const sum = r.inspection.parts.reduce((s, p) => s + p.tokens, 0);
      assert.equal(sum, r.inspection.totalTokens, api);
      assert.ok(part(r, 'formatting')! > 0);
      assert.deepEqual(r.inspection.tokenizer, { name: 'o200k_base', exact: true, label: 'o200k_base' });
    }
  });

  test('with the real tokenizer, a long chat is trimmed to the budget and the exact count stays within it', async () => {
    const tokenizer = await loadTokenizer('some-local-model');
    const words = 'the quick brown fox jumps over the lazy dog and keeps running into the forest '.repeat(4);
    const longHistory = Array.from({ length: 400 }, (_, i) => message(i % 2 ? 'assistant' : 'user', `${i}: ${words}`));
    for (const api of ['chat-completions', 'text-completions'] as const) {
      const r = assemble({ api, tokenizer, history: longHistory, settings: { context_size: 4096, max_tokens: 512 } });
      assert.ok(r.inspection.history.dropped > 0, api);
      assert.ok(r.inspection.totalTokens <= 3584, `${api}: ${r.inspection.totalTokens}`);
      assert.ok(r.inspection.totalTokens > 3584 - 150, `${api} uses the budget: ${r.inspection.totalTokens}`);
      assert.match(r.inspection.tokenizer.label, /estimate/);
    }
  });
});

describe('world info in the prompt', () => {
  /** An activation made by the real engine from SillyTavern entries (all constant, so no scanning is involved). */
  const placed = async (entries: Record<string, unknown>[]) => {
    const activation = await scanEntries(entries);
    return worldInfoForPrompt(activation, (t) => t.length);
  };
  after(() => sharedRegex.close());

  test('before and after the character fields; the inspection lists every entry and why', async () => {
    const worldInfo = await placed([
      stEntry(0, { constant: true, content: 'LORE-WORLD', order: 1 }),
      stEntry(1, { constant: true, content: 'LORE-SWORD', order: 2 }),
      stEntry(2, { constant: true, content: 'LORE-RIVER', position: 1 }),
    ]);
    const r = assemble({ card: card({ description: 'DESC', scenario: 'SCEN' }), persona: { name: 'Ann', description: 'PERSONA' }, worldInfo });
    assert.equal(chatOf(r)[0]?.content, 'SYS\nLORE-WORLD\nLORE-SWORD\nDESC\nScenario: SCEN\nLORE-RIVER\nPERSONA');
    assert.deepEqual(
      r.inspection.worldInfo?.entries.map((e) => [e.name, e.why, e.position, e.included]),
      [
        ['LORE-RIVER', 'constant', 'after', true],
        ['LORE-SWORD', 'constant', 'before', true],
        ['LORE-WORLD', 'constant', 'before', true],
      ].map(([n, ...rest]) => [`entry ${n === 'LORE-RIVER' ? 2 : n === 'LORE-SWORD' ? 1 : 0}`, ...rest]),
    );
    assert.equal(r.inspection.lorebookEntries.length, 3);
  });

  test('@depth entries go into the chat by depth, system nearest the end; Author\'s Note entries at depth 4', async () => {
    const worldInfo = await placed([
      stEntry(0, { constant: true, content: 'D0-SYS', position: 4, depth: 0, role: 0 }),
      stEntry(1, { constant: true, content: 'D0-USER', position: 4, depth: 0, role: 1 }),
      stEntry(2, { constant: true, content: 'D2-ASSISTANT', position: 4, depth: 2, role: 2 }),
      stEntry(3, { constant: true, content: 'AN-TOP', position: 2 }),
      stEntry(4, { constant: true, content: 'AN-BOTTOM', position: 3 }),
      stEntry(5, { constant: true, content: 'TOO-DEEP', position: 4, depth: 5000 }),
    ]);
    const history = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((t, i) => message(i % 2 ? 'assistant' : 'user', t));
    const r = assemble({ history, worldInfo });
    assert.deepEqual(
      chatOf(r).slice(1).map((m) => `${m.role}:${m.content}`),
      [
        'user:m1',
        'assistant:m2',
        'system:AN-TOP\nAN-BOTTOM',
        'user:m3',
        'assistant:m4',
        'assistant:D2-ASSISTANT',
        'user:m5',
        'assistant:m6',
        'user:D0-USER',
        'system:D0-SYS',
      ],
    );
    // Continuing, depth 0 goes before the message being continued.
    const continued = assemble({ history, worldInfo, mode: 'continue' });
    assert.deepEqual(chatOf(continued).slice(-3).map((m) => m.content), ['D0-USER', 'D0-SYS', 'm6']);
  });

  test('example entries are example blocks before and after the card\'s', async () => {
    const worldInfo = await placed([
      stEntry(0, { constant: true, content: 'EM-TOP', position: 5 }),
      stEntry(1, { constant: true, content: 'EM-BOTTOM', position: 6 }),
    ]);
    const r = assemble({ card: card({ mes_example: '<START>\nCARD-EXAMPLE' }), worldInfo });
    assert.equal(chatOf(r)[0]?.content, 'SYS\n<START>\nEM-TOP\n<START>\nCARD-EXAMPLE\n<START>\nEM-BOTTOM');
    assert.deepEqual(r.inspection.exampleBlocks, { included: 3, total: 3 });
  });
});

describe('modes', () => {
  const history = () => [message('user', 'Hi'), message('assistant', 'Hello the')];

  for (const mode of ['regenerate', 'swipe'] as GenerationMode[]) {
    test(`${mode}: the last reply is the target and is left out of the prompt`, () => {
      const h = history();
      const r = assemble({ history: h, mode });
      assert.equal(r.target?.id, h[1]!.id);
      assert.deepEqual(chatOf(r).slice(1), [{ role: 'user', content: 'Hi' }]);
    });
  }

  test('regenerate after a user message has no target: a new reply', () => {
    const r = assemble({ history: [message('user', 'Hi')], mode: 'regenerate' });
    assert.equal(r.target, null);
    assert.deepEqual(chatOf(r).slice(1), [{ role: 'user', content: 'Hi' }]);
  });

  test('continue (chat): the last reply is sent last, as the assistant prefix to extend', () => {
    const h = history();
    const r = assemble({ history: h, mode: 'continue', card: card({ post_history_instructions: 'PHI' }) });
    assert.equal(r.target?.id, h[1]!.id);
    assert.deepEqual(chatOf(r).slice(1), [
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'PHI' },
      { role: 'assistant', content: 'Hello the' },
    ]);
    assert.deepEqual(r.inspection.history, { included: 2, dropped: 0, firstIncludedMessageId: h[0]!.id });
  });

  test('continue (text): the prompt ends inside the reply, without its end-of-turn', () => {
    const r = assemble({ history: history(), mode: 'continue', api: 'text-completions', textFormatting: fmt('chatml') });
    assert.ok(textOf(r).endsWith('<|im_start|>user\nAnn: Hi<|im_end|>\n<|im_start|>assistant\nSera: Hello the'), textOf(r));
  });

  test('impersonate (chat): an instruction to write as the user ends the prompt', () => {
    const r = assemble({ history: history(), mode: 'impersonate' });
    const last = chatOf(r).at(-1)!;
    assert.equal(last.role, 'system');
    assert.match(last.content, /^\[Write your next reply from the point of view of Ann, .* Don't write as Sera or system\. Don't describe actions of Sera\.\]$/);
    assert.equal(part(r, 'impersonation_prompt'), last.content.length);
    assert.equal(r.target, null);
  });

  test("impersonate (text): the prompt opens the user's turn and stops at the character's", () => {
    const r = assemble({ history: history(), mode: 'impersonate', api: 'text-completions', textFormatting: fmt('llama3') });
    assert.ok(textOf(r).endsWith('<|start_header_id|>user<|end_header_id|>\n\nAnn:'));
    assert.deepEqual(r.stop, [
      '\nSera:',
      '\nAnn:',
      '<|eot_id|>',
      '<|start_header_id|>user<|end_header_id|>',
      '<|start_header_id|>assistant<|end_header_id|>',
      '<|start_header_id|>system<|end_header_id|>',
    ]);
    assert.equal(part(r, 'impersonation_prompt'), 0);
  });
});

/** A bundled instruct template with the context template that has no separators. */
const fmt = (id: string) => ({ instruct: BUNDLED_INSTRUCT[id]!, context: BUNDLED_CONTEXT.instruct! });

/*
 * Each bundled template for the same chat (a greeting, the user's reply, post-history instructions), as
 * SillyTavern's instruct mode lays it out: the story string in its sequences, every message in its role's, names
 * written (names_behavior "always"), the newest message's newline dropped before the reply's line; the stop
 * strings are the user's name and the template's sequences (with a newline before them when the template wraps).
 */
describe('instruct templates (text completion)', () => {
  const expected: Record<string, { prompt: string; stop: string[] }> = {
    chatml: {
      prompt:
        '<|im_start|>system\nSYS\n<|im_end|>\n<|im_start|>assistant\nSera: Hello<|im_end|>\n<|im_start|>user\nAnn: Hi<|im_end|>\n<|im_start|>system\nPHI<|im_end|>\n<|im_start|>assistant\nSera:',
      stop: ['\nAnn:', '\n<|im_end|>', '\n<|im_start|>user', '\n<|im_start|>assistant', '\n<|im_start|>system'],
    },
    llama3: {
      prompt:
        '<|start_header_id|>system<|end_header_id|>\n\nSYS<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nSera: Hello<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnn: Hi<|eot_id|><|start_header_id|>system<|end_header_id|>\n\nPHI<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nSera:',
      stop: ['\nAnn:', '<|eot_id|>', '<|start_header_id|>user<|end_header_id|>', '<|start_header_id|>assistant<|end_header_id|>', '<|start_header_id|>system<|end_header_id|>'],
    },
    llama2: {
      prompt: '[INST] <<SYS>>\nSYS\n<</SYS>>\n\nSera: Hello </s>[INST] Ann: Hi [/INST] [INST] PHI [/INST] Sera:',
      stop: ['\nAnn:', '</s>', '[INST] '],
    },
    // The id connections stored before templates were editable.
    mistral: {
      prompt: '[INST] SYS[/INST] Sera: Hello</s>[INST] Ann: Hi[/INST][INST] PHI[/INST] Sera:',
      stop: ['\nAnn:', '</s>', '[INST] '],
    },
    'mistral-tekken': {
      prompt: '[INST]SYS[/INST]Sera: Hello</s>[INST]Ann: Hi[/INST][INST]PHI[/INST]Sera:',
      stop: ['\nAnn:', '</s>', '[INST]'],
    },
    'mistral-v7': {
      prompt: '[SYSTEM_PROMPT] SYS[/SYSTEM_PROMPT] Sera: Hello</s>[INST] Ann: Hi[/INST][SYSTEM_PROMPT] PHI[/SYSTEM_PROMPT] Sera:',
      stop: ['\nAnn:', '</s>', '[INST] ', '[SYSTEM_PROMPT] '],
    },
    alpaca: {
      prompt: 'SYS\n\n### Response:\nSera: Hello\n\n### Instruction:\nAnn: Hi\n\n### Input:\nPHI\n\n### Response:\nSera:',
      stop: ['\nAnn:', '\n### Instruction:', '\n### Response:', '\n### Input:'],
    },
    vicuna: {
      prompt: 'SYS\nASSISTANT:\nSera: Hello\nUSER:\nAnn: Hi\nSYSTEM:\nPHI\nASSISTANT:\nSera:',
      stop: ['\nAnn:', '\nUSER:', '\nASSISTANT:', '\nSYSTEM:'],
    },
    metharme: {
      prompt: '<|system|>SYS<|model|>Sera: Hello<|user|>Ann: Hi<|system|>PHI<|model|>Sera:',
      stop: ['\nAnn:', '</s>', '<|user|>', '<|model|>', '<|system|>'],
    },
    gemma: {
      prompt:
        '<start_of_turn>user\nSYS\n<end_of_turn>\n<start_of_turn>model\nSera: Hello<end_of_turn>\n<start_of_turn>user\nAnn: Hi<end_of_turn>\n<start_of_turn>user\nPHI<end_of_turn>\n<start_of_turn>model\nSera:',
      stop: ['\nAnn:', '\n<end_of_turn>', '\n<start_of_turn>user', '\n<start_of_turn>model'],
    },
    'command-r': {
      prompt:
        '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>SYS<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Sera: Hello<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Ann: Hi<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>PHI<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Sera:',
      stop: [
        '\nAnn:',
        '<|END_OF_TURN_TOKEN|>',
        '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>',
        '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>',
        '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>',
      ],
    },
    phi3: {
      prompt: '<|system|>\nSYS\n<|end|>\n<|assistant|>\nSera: Hello<|end|>\n<|user|>\nAnn: Hi<|end|>\n<|system|>\nPHI<|end|>\n<|assistant|>\nSera:',
      stop: ['\nAnn:', '\n<|end|>', '\n<|user|>', '\n<|assistant|>', '\n<|system|>'],
    },
    deepseek: {
      prompt: 'SYS<｜Assistant｜>Sera: Hello<｜end▁of▁sentence｜><｜User｜>Ann: Hi<｜User｜>PHI<｜Assistant｜>Sera:',
      stop: ['\nAnn:', '<｜end▁of▁sentence｜>', '<｜User｜>', '<｜Assistant｜>'],
    },
  };

  for (const [id, want] of Object.entries(expected)) {
    test(`${id}: sequences around each turn, names inside, the reply's line last, and its stop strings`, () => {
      const instruct = BUNDLED_INSTRUCT[id === 'mistral' ? 'mistral-v3' : id]!;
      const r = assemble({
        api: 'text-completions',
        textFormatting: { instruct, context: BUNDLED_CONTEXT.instruct! },
        card: card({ post_history_instructions: 'PHI' }),
        history: [message('assistant', 'Hello'), message('user', 'Hi')],
      });
      assert.equal(textOf(r), want.prompt);
      assert.deepEqual(r.stop, want.stop);
      assert.equal(r.inspection.prompt, want.prompt);
      assert.equal(r.inspection.messages, undefined);
    });
  }

  test('ChatML is the default when a text connection names no template', () => {
    const r = assemble({ api: 'text-completions', history: [message('user', 'Hi')] });
    assert.ok(textOf(r).startsWith('<|im_start|>system\n'));
  });

  test('the text budget counts the template sequences', () => {
    const h = Array.from({ length: 6 }, (_, i) => message('user', String(i).padEnd(50, '.')));
    const r = assemble({ api: 'text-completions', textFormatting: fmt('chatml'), history: h, settings: { context_size: 300, max_tokens: 100 } });
    assert.ok(r.inspection.totalTokens <= 200, String(r.inspection.totalTokens));
    assert.equal(r.inspection.totalTokens, textOf(r).length);
    assert.ok(r.inspection.history.dropped > 0);
  });
});
