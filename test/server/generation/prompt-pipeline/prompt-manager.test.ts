import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CardData } from '../../../../src/shared/api/characters.js';
import {
  DEFAULT_ORDER,
  defaultPrompts,
  presetFromSillyTavern,
  presetToSillyTavern,
  PresetFormatError,
  promptManagerOf,
  type ManagedPrompt,
  type PromptOrderEntry,
} from '../../../../src/shared/api/prompt-manager.js';
import { PromptSettings } from '../../../../src/shared/api/prompt-settings.js';
import { readOverrides, resolveOverride } from '../../../../src/shared/api/generation-overrides.js';
import { assemblePrompt } from '../../../../src/server/generation/prompt-assembly.js';
import { exampleMessages } from '../../../../src/server/generation/prompt-manager-parts.js';
import { squashSystemTurns } from '../../../../src/server/generation/prompt-pipeline/format-for-api.js';
import { gatherParts } from '../../../../src/server/generation/prompt-pipeline/gather-parts.js';
import type { PromptAssemblyInput } from '../../../../src/server/generation/prompt-pipeline/prompt-parts.js';
import type { WorldInfoForPrompt } from '../../../../src/server/generation/world-info/world-info-prompt.js';
import { charTokenizer, message, systemPart } from '../../../support/prompt-parts.js';

const card = (over: Partial<CardData> = {}): CardData => ({
  name: 'Sera',
  description: 'D',
  personality: 'P',
  scenario: 'S',
  first_mes: '',
  mes_example: '',
  system_prompt: '',
  post_history_instructions: '',
  ...over,
});
const preset = (order: Array<[string, boolean]>, prompts: ManagedPrompt[] = [], settings: Record<string, unknown> = {}) =>
  presetFromSillyTavern(
    {
      ...settings,
      prompts: [...defaultPrompts().filter((d) => !prompts.some((p) => p.identifier === d.identifier)), ...prompts],
      prompt_order: [{ character_id: 100001, order: order.map(([identifier, enabled]): PromptOrderEntry => ({ identifier, enabled })) }],
    },
    { id: 'p', name: 'P' },
  );
const input = (over: Partial<PromptAssemblyInput> = {}): PromptAssemblyInput => ({
  card: card(),
  persona: { name: 'Ann', description: 'Persona' },
  history: [message('user', 'Hi'), message('assistant', 'Hello'), message('user', 'Go')],
  mode: 'new',
  api: 'chat-completions',
  model: 'm',
  settings: { context_size: 10_000, max_tokens: 100 },
  tokenizer: charTokenizer,
  now: 0,
  random: () => 0,
  // main speaks for the active system prompt preset.
  promptSettings: parse({ systemPrompts: [{ id: 'm', name: 'M', content: 'MAIN' }], activeSystemPrompt: 'm', postHistoryInstructions: 'PHI' }),
  ...over,
});
const wi: WorldInfoForPrompt = {
  before: 'WB',
  after: 'WA',
  examplesTop: [],
  examplesBottom: [],
  injections: [],
  authorsNoteTop: [],
  authorsNoteBottom: [],
  inspection: { entries: [], budget: { used: 0, limit: 0, overflowed: false }, problems: [], steps: [] } as never,
};
const sent = (i: PromptAssemblyInput) => {
  const prompt = assemblePrompt(i).prompt;
  assert.equal(prompt.kind, 'chat');
  return prompt.messages.map((m) => `${m.role}${m.name ? `(${m.name})` : ''}: ${m.content}`);
};
const ALL: Array<[string, boolean]> = DEFAULT_ORDER.map((e) => [e.identifier, e.enabled]);

describe('reading and writing SillyTavern preset files', () => {
  test('the global order is 100001, else 100000, else the first; the others and unknown keys are kept for export', () => {
    const cases: Array<[number[], number]> = [
      [[100000, 100001, 7], 100001],
      [[7, 100000], 100000],
      [[7, 8], 7],
    ];
    for (const [ids, chosen] of cases) {
      const file = { x: 1, prompts: defaultPrompts(), prompt_order: ids.map((id) => ({ character_id: id, order: [{ identifier: 'main', enabled: id === chosen }] })) };
      const p = presetFromSillyTavern(file, { id: 'a', name: 'A' });
      assert.equal(p.orderCharacterId, chosen);
      assert.deepEqual(p.order, [{ identifier: 'main', enabled: true }]);
      const back = presetToSillyTavern(p, { main: '', jailbreak: '' });
      assert.equal(back.x, 1);
      assert.deepEqual(
        (back.prompt_order as { character_id: number }[]).map((o) => o.character_id).sort(),
        [...ids].sort(),
      );
    }
  });

  test('a file without prompts or order gets the built-ins and the default order', () => {
    const p = presetFromSillyTavern({ temperature: 1 }, { id: 'a', name: 'A' });
    assert.deepEqual(p.prompts.map((x) => x.identifier).sort(), defaultPrompts().map((x) => x.identifier).sort());
    assert.deepEqual(p.order, DEFAULT_ORDER);
    assert.deepEqual(p.settings, { temperature: 1 });
  });

  test('what is refused, and why', () => {
    const bad: unknown[] = [null, 3, 'x', [], { prompts: 'x' }, { prompts: [{ identifier: '' }] }, { prompts: [{ identifier: 'a', injection_position: 2 }] }, { prompt_order: [{ order: [] }] }];
    for (const file of bad) assert.throws(() => presetFromSillyTavern(file, { id: 'a', name: 'A' }), PresetFormatError, JSON.stringify(file));
  });
});

describe('the prompt manager lays out the prompt (gather and format stages)', () => {
  // [what, order, prompts, settings, expected messages]
  const cases: Array<[string, Array<[string, boolean]>, ManagedPrompt[], Record<string, unknown>, string[]]> = [
    [
      "Parley's default order sends what Parley's one block held, one message each",
      ALL,
      [{ identifier: 'main', name: 'Main', role: 'system', content: 'MAIN' }],
      {},
      ['system: MAIN', 'system: WB', 'system: D', "system: [Sera's personality: P]", 'system: [Circumstances and context of the dialogue: S]', 'system: WA', 'system: Persona', 'system: [Start a new Chat]', 'user: Hi', 'assistant: Hello', 'user: Go', 'system: PHI'],
    ],
    [
      'the order moves parts; disabled ones and empty markers are left out; formats are the preset\'s',
      [['scenario', true], ['main', true], ['charDescription', false], ['personaDescription', true], ['worldInfoBefore', true], ['chatHistory', true], ['charPersonality', true]],
      [{ identifier: 'main', name: 'Main', role: 'system', content: 'MAIN' }],
      { scenario_format: '<{{scenario}}>', personality_format: '', wi_format: '[WI: {0}]', new_chat_prompt: '' },
      ['system: <S>', 'system: MAIN', 'system: Persona', 'system: [WI: WB]', 'user: Hi', 'assistant: Hello', 'user: Go'],
    ],
    [
      'a prompt after the history goes after it; a role from the preset is kept',
      [['main', true], ['chatHistory', true], ['after', true], ['jailbreak', true]],
      [
        { identifier: 'main', name: 'Main', role: 'user', content: 'MAIN' },
        { identifier: 'after', name: 'After', role: 'assistant', content: 'AFTER {{char}}' },
        // Its text is the post-history instructions (PHI), not the preset's.
        { identifier: 'jailbreak', name: 'JB', role: 'system', content: 'IGNORED' },
      ],
      { new_chat_prompt: '' },
      ['user: MAIN', 'user: Hi', 'assistant: Hello', 'user: Go', 'assistant: AFTER Sera', 'system: PHI'],
    ],
    [
      'in-chat prompts: by depth; at one depth and role one message, a higher injection_order nearer the end; system nearest the end',
      [['chatHistory', true], ['d1a', true], ['d1b', true], ['d1u', true], ['d0', true], ['deep', true], ['off', false]],
      [
        { identifier: 'd1a', name: 'a', role: 'system', content: 'A', injection_position: 1, injection_depth: 1, injection_order: 50 },
        { identifier: 'd1b', name: 'b', role: 'system', content: 'B', injection_position: 1, injection_depth: 1 },
        { identifier: 'd1u', name: 'u', role: 'user', content: 'U', injection_position: 1, injection_depth: 1 },
        { identifier: 'd0', name: 'z', role: 'system', content: 'Z1', injection_position: 1, injection_depth: 0, injection_order: 100 },
        { identifier: 'deep', name: 'deep', role: 'system', content: 'DEEP', injection_position: 1, injection_depth: 99 },
        { identifier: 'off', name: 'off', role: 'system', content: 'OFF', injection_position: 1, injection_depth: 0 },
      ],
      { new_chat_prompt: '' },
      ['system: DEEP', 'user: Hi', 'assistant: Hello', 'system: A', 'user: U', 'system: B', 'user: Go', 'system: Z1'],
    ],
    [
      'two in-chat prompts with the same depth, order and role are one message',
      [['chatHistory', true], ['x', true], ['y', true]],
      [
        { identifier: 'x', name: 'x', role: 'user', content: 'X', injection_position: 1, injection_depth: 0 },
        { identifier: 'y', name: 'y', role: 'user', content: 'Y {{char}}', injection_position: 1, injection_depth: 0 },
      ],
      { new_chat_prompt: '' },
      ['user: Hi', 'assistant: Hello', 'user: Go', 'user: X\nY Sera'],
    ],
    [
      'squash_system_messages joins neighbours; the new-chat marker stays apart',
      [['main', true], ['charDescription', true], ['user-one', true], ['scenario', true], ['chatHistory', true]],
      [
        { identifier: 'main', name: 'Main', role: 'system', content: 'MAIN' },
        { identifier: 'user-one', name: 'u', role: 'user', content: 'U' },
      ],
      { squash_system_messages: true, scenario_format: '{{scenario}}' },
      ['system: MAIN\nD', 'user: U', 'system: S', 'system: [Start a new Chat]', 'user: Hi', 'assistant: Hello', 'user: Go'],
    ],
  ];
  for (const [what, order, prompts, settings, expected] of cases) {
    test(what, () => {
      assert.deepEqual(sent(input({ worldInfo: wi, promptManager: preset(order, prompts, settings) })), expected);
    });
  }

  test("a card's system prompt and post-history instructions replace main and jailbreak unless they forbid overrides", () => {
    const prompts = (forbid: boolean): ManagedPrompt[] => [
      { identifier: 'main', name: 'Main', role: 'system', content: '', forbid_overrides: forbid },
      { identifier: 'jailbreak', name: 'JB', role: 'system', content: '', forbid_overrides: forbid },
    ];
    const order: Array<[string, boolean]> = [['main', true], ['chatHistory', true], ['jailbreak', true]];
    // main and jailbreak speak for the prompt settings: the system prompt preset and the post-history instructions.
    const promptSettings = { systemPrompts: [{ id: 's', name: 'S', content: 'PRESET' }], activeSystemPrompt: 's', postHistoryInstructions: 'PHI' } as never;
    const over = { card: card({ system_prompt: 'OWN {{original}}', post_history_instructions: 'OWN PHI' }), history: [message('user', 'Go')] };
    const settings = { new_chat_prompt: '' };
    assert.deepEqual(sent(input({ ...over, promptSettings: parse(promptSettings), promptManager: preset(order, prompts(false), settings) })), [
      'system: OWN PRESET',
      'user: Go',
      'system: OWN PHI',
    ]);
    assert.deepEqual(sent(input({ ...over, promptSettings: parse(promptSettings), promptManager: preset(order, prompts(true), settings) })), [
      'system: PRESET',
      'user: Go',
      'system: PHI',
    ]);
  });

  test("the Author's Note placed before / after the prompt goes just before / after main, in the chat at its depth", () => {
    const order: Array<[string, boolean]> = [['charDescription', true], ['main', true], ['chatHistory', true]];
    const prompts: ManagedPrompt[] = [{ identifier: 'main', name: 'Main', role: 'system', content: 'MAIN' }];
    const note = (position: 'before_prompt' | 'after_scenario' | 'in_chat') => ({ prompt: 'NOTE', interval: 1, position, depth: 1, role: 'system' as const });
    const settings = { new_chat_prompt: '' };
    const promptSettings = parse({ systemPrompts: [{ id: 'm', name: 'M', content: 'MAIN' }], activeSystemPrompt: 'm' });
    const run = (position: 'before_prompt' | 'after_scenario' | 'in_chat') =>
      sent(input({ promptSettings, authorsNote: note(position), history: [message('user', 'Hi'), message('user', 'Go')], promptManager: preset(order, prompts, settings) }));
    assert.deepEqual(run('before_prompt'), ['system: D', 'system: NOTE', 'system: MAIN', 'user: Hi', 'user: Go']);
    assert.deepEqual(run('after_scenario'), ['system: D', 'system: MAIN', 'system: NOTE', 'user: Hi', 'user: Go']);
    assert.deepEqual(run('in_chat'), ['system: D', 'system: MAIN', 'user: Hi', 'system: NOTE', 'user: Go']);
  });

  test('Anthropic and Gemini build from the same layout: the leading system messages are the system parts', () => {
    const order: Array<[string, boolean]> = [['main', true], ['charDescription', true], ['custom', true], ['chatHistory', true], ['jailbreak', true]];
    const prompts: ManagedPrompt[] = [{ identifier: 'custom', name: 'c', role: 'user', content: 'CUSTOM' }];
    for (const api of ['anthropic', 'google'] as const) {
      const prompt = assemblePrompt(input({ api, promptManager: preset(order, prompts, { new_chat_prompt: '' }) })).prompt;
      assert.equal(prompt.kind, 'neutral');
      assert.deepEqual(prompt.prompt.system, ['MAIN', 'D']);
      assert.deepEqual(prompt.prompt.messages.map((m) => `${m.role}: ${m.content}`), ['user: CUSTOM', 'user: Hi', 'assistant: Hello', 'user: Go', 'system: PHI']);
    }
  });

  test('text completion keeps its instruct layout: the preset is for message APIs', () => {
    const g = gatherParts(input({ api: 'text-completions', promptManager: preset([['chatHistory', true]]) }));
    assert.equal(g.managed, undefined);
    assert.equal(g.history.length, 3);
  });

  test('examples become SillyTavern example messages after the example-chat marker, and the budget drops them before history', () => {
    const order: Array<[string, boolean]> = [['dialogueExamples', true], ['chatHistory', true]];
    const settings = { new_chat_prompt: '', new_example_chat_prompt: '[Ex {{char}}]' };
    const withExamples = input({ card: card({ mes_example: '<START>\n{{user}}: q\n{{char}}: a' }), promptManager: preset(order, [], settings) });
    assert.deepEqual(sent(withExamples), ['system: [Ex Sera]', 'system(example_user): q', 'system(example_assistant): a', 'user: Hi', 'assistant: Hello', 'user: Go']);
    const tight = { ...withExamples, settings: { context_size: 100 + 3 + 3 * (2 + 4) + 4 * 2 + 2, max_tokens: 100 } };
    assert.deepEqual(sent(tight), ['user: Hi', 'assistant: Hello', 'user: Go']);
  });
});

describe('stored settings', () => {
  test('promptManagerOf: a damaged preset is left out alone; a damaged value reads as none', () => {
    const good = presetFromSillyTavern({}, { id: 'good', name: 'Good' });
    const cases: Array<[unknown, string[], string | null]> = [
      [{ presets: { good, bad: { id: 'bad', name: 'Bad', prompts: 'x', order: [] } }, active: 'good' }, ['good'], 'good'],
      [{ presets: { other: good } }, [], null],
      [{ presets: [good], active: 3 }, [], null],
      ['garbage', [], null],
      [undefined, [], null],
    ];
    for (const [stored, ids, active] of cases) {
      const read = promptManagerOf(stored === undefined ? {} : { promptManager: stored });
      assert.deepEqual([Object.keys(read.presets), read.active], [ids, active], JSON.stringify(stored));
    }
  });

  test('resolveOverride: chat > character > global, per field; an id naming nothing falls through', () => {
    const exists = (id: string) => id !== 'gone';
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string | null, { id: string | null; from: string }]> = [
      [{}, {}, 'g', { id: 'g', from: 'global' }],
      [{}, { connectionId: 'c' }, 'g', { id: 'c', from: 'character' }],
      [{ connectionId: 'h' }, { connectionId: 'c' }, 'g', { id: 'h', from: 'chat' }],
      [{ connectionId: 'gone' }, { connectionId: 'c' }, 'g', { id: 'c', from: 'character' }],
      [{ connectionId: 'gone' }, { connectionId: 'gone' }, null, { id: null, from: 'global' }],
      [{ connectionId: 5, systemPromptId: 'x' }, {}, 'g', { id: 'g', from: 'global' }],
      [{ connectionId: '' }, { connectionId: 'c' }, 'g', { id: 'c', from: 'character' }],
    ];
    for (const [chat, character, global, expected] of cases) {
      assert.deepEqual(resolveOverride({ chat: readOverrides(chat), character: readOverrides(character), global }, 'connectionId', exists), expected);
    }
  });
});

describe('stage helpers', () => {
  test('exampleMessages: ST splitting at the speakers, the name taken off, lines before the first speaker kept', () => {
    const cases: Array<[string, string[]]> = [
      ['<START>\nAnn: hi\nSera: hello\nmore\nAnn: bye', ['[E]', 'example_user: hi', 'example_assistant: hello\nmore', 'example_user: bye']],
      // As in SillyTavern, the first "Sera:" of the message is taken off, wherever it is.
      ['intro\nSera: one\nSera: two', ['[E]', 'example_assistant: intro\n one\nSera: two']],
      ['no speakers at all', []],
      ['Ann: Sera: tricky', ['[E]', 'example_user: Sera: tricky']],
    ];
    for (const [text, expected] of cases) {
      const out = exampleMessages(systemPart('example_dialogue', text), { user: 'Ann', char: 'Sera' }, '[E]');
      assert.deepEqual(out.map((p) => (p.messageName ? `${p.messageName}: ${p.text}` : p.text)), expected, text);
    }
  });

  test('squashSystemTurns: neighbours join, named, apart, non-system and empty ones break or vanish', () => {
    const t = (role: 'system' | 'user', text: string, extra: { messageName?: string; apart?: boolean } = {}) => ({ role, name: role, text, ...extra });
    const out = squashSystemTurns([t('system', 'a'), t('system', 'b'), t('system', ''), t('system', 'N', { messageName: 'x' }), t('system', 'c'), t('system', 'M', { apart: true }), t('system', 'd'), t('user', 'u'), t('system', 'e')]);
    assert.deepEqual(out.map((x) => x.text), ['a\nb', 'N', 'c', 'M', 'd', 'u', 'e']);
  });
});

function parse(value: Record<string, unknown>) {
  return PromptSettings.parse(value);
}
