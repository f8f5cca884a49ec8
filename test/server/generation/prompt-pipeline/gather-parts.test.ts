import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CardData } from '../../../../src/shared/api/characters.js';
import { DEFAULT_SYSTEM_PROMPT, PromptSettings } from '../../../../src/shared/api/prompt-settings.js';
import { IMPERSONATION_PROMPT } from '../../../../src/server/generation/character-parts.js';
import { gatherParts } from '../../../../src/server/generation/prompt-pipeline/gather-parts.js';
import type { PromptAssemblyInput } from '../../../../src/server/generation/prompt-pipeline/prompt-parts.js';
import type { WorldInfoForPrompt } from '../../../../src/server/generation/world-info/world-info-prompt.js';
import { charTokenizer, message } from '../../../support/prompt-parts.js';

const card = (over: Partial<CardData> = {}): CardData => ({
  name: 'Sera',
  description: 'D {{user}}',
  personality: 'P',
  scenario: 'S',
  first_mes: '',
  mes_example: '<START>\nEx1\n<START>\nEx2',
  system_prompt: '',
  post_history_instructions: 'PHI',
  ...over,
});
const input = (over: Partial<PromptAssemblyInput> = {}): PromptAssemblyInput => ({
  card: card(),
  persona: { name: 'Ann', description: 'Persona' },
  history: [],
  mode: 'new',
  api: 'chat-completions',
  model: 'm',
  settings: { context_size: 1000, max_tokens: 100 },
  tokenizer: charTokenizer,
  now: 0,
  random: () => 0,
  ...over,
});
const wi: WorldInfoForPrompt = {
  before: 'WB',
  after: 'WA',
  examplesTop: ['<START>\nT'],
  examplesBottom: ['B'],
  injections: [{ depth: 2, role: 'user', text: 'INJ' }],
  authorsNoteTop: [],
  authorsNoteBottom: [],
  inspection: { entries: [], budget: { used: 0, limit: 0, overflowed: false }, problems: [], steps: [] } as never,
};
const where = (parts: { source: { kind: string; detail: string } }[]) => parts.map((p) => `${p.source.kind}:${p.source.detail}`);

describe('gather parts', () => {
  test('the system block in SillyTavern order, each part naming where it came from, macros not yet expanded', () => {
    const g = gatherParts(input({ worldInfo: wi }));
    assert.deepEqual(where(g.system), [
      'settings:system prompt: Default',
      'world_info:before',
      'card:description',
      'card:personality',
      'card:scenario',
      'world_info:after',
      'persona:description',
    ]);
    assert.equal(g.system[0]!.text, DEFAULT_SYSTEM_PROMPT);
    assert.equal(g.system[2]!.text, 'D {{user}}');
    assert.deepEqual(g.system[3]!.macros, { kind: 'field', label: "Sera's personality: " });
  });

  test("the card's own system prompt is the source when it has one", () => {
    assert.deepEqual(gatherParts(input({ card: card({ system_prompt: ' Mine ' }) })).system[0]!.source, { kind: 'card', detail: 'system_prompt' });
  });

  test("examples: world info's top blocks, the card's, world info's bottom ones", () => {
    const g = gatherParts(input({ worldInfo: wi }));
    assert.deepEqual(
      g.examples.map((e) => [e.source.detail, e.text]),
      [
        ['examples_top', '<START>\nT'],
        ['mes_example', 'Ex1'],
        ['mes_example', 'Ex2'],
        ['examples_bottom', '<START>\nB'],
      ],
    );
    assert.deepEqual(g.injections.map((j) => [j.depth, j.role, j.name, j.text]), [[2, 'user', 'Ann', 'INJ']]);
  });

  // mode, does the chat end with a reply, target?, open turn role and text
  const modes: Array<[PromptAssemblyInput['mode'], boolean, boolean, 'user' | 'assistant', string]> = [
    ['new', true, false, 'assistant', ''],
    ['regenerate', true, true, 'assistant', ''],
    ['swipe', true, true, 'assistant', ''],
    ['regenerate', false, false, 'assistant', ''],
    ['continue', true, true, 'assistant', 'reply'],
    ['impersonate', true, false, 'user', ''],
  ];
  for (const [mode, endsWithReply, hasTarget, openRole, openText] of modes) {
    test(`${mode}${endsWithReply ? '' : ' after a user message'}: target ${hasTarget}, open ${openRole} turn`, () => {
      const history = endsWithReply ? [message('user', 'hi'), message('assistant', 'reply')] : [message('user', 'hi')];
      const g = gatherParts(input({ mode, history }));
      assert.equal(g.target?.id ?? null, hasTarget ? history.at(-1)!.id : null);
      assert.equal(g.history.length, history.length - (hasTarget ? 1 : 0));
      assert.equal(g.open.role, openRole);
      assert.equal(g.open.text, openText);
      assert.equal(g.continuing, mode === 'continue' && hasTarget);
    });
  }

  test('the tail: post-history instructions, and the impersonation prompt only for chat APIs', () => {
    assert.deepEqual(gatherParts(input({ mode: 'impersonate' })).tail.map((t) => t.text), ['PHI', IMPERSONATION_PROMPT]);
    assert.deepEqual(gatherParts(input({ mode: 'impersonate', api: 'text-completions' })).tail.map((t) => t.text), ['PHI']);
  });

  test("Anthropic's prefill for a new reply only", () => {
    const settings = { context_size: 1000, max_tokens: 100, assistant_prefill: 'Sure,' };
    assert.equal(gatherParts(input({ api: 'anthropic', settings })).prefill?.text, 'Sure,');
    assert.equal(gatherParts(input({ api: 'anthropic', settings, mode: 'impersonate' })).prefill, null);
    assert.equal(gatherParts(input({ api: 'chat-completions', settings })).prefill, null);
  });

  test('a message without a name speaks as the persona or the character', () => {
    const g = gatherParts(input({ history: [message('user', 'a', { name: '' }), message('assistant', 'b', { name: '' })] }));
    assert.deepEqual(g.history.map((h) => h.name), ['Ann', 'Sera']);
  });

  const settings = (over: Record<string, unknown>) => PromptSettings.parse(over);

  test('system prompt presets: the active one, or the card\'s when preferred; the post-history instructions alike', () => {
    const presets = settings({
      systemPrompts: [
        { id: 'a', name: 'Plain', content: 'PLAIN' },
        { id: 'b', name: 'Story', content: 'STORY {{char}}' },
      ],
      activeSystemPrompt: 'b',
      postHistoryInstructions: 'GLOBAL-PHI',
    });
    // [card system prompt, prefer the card's, what is gathered, source]
    const cases: Array<[string, boolean, string, string]> = [
      ['', true, 'STORY {{char}}', 'settings:system prompt: Story'],
      ['CARD {{original}}', true, 'CARD {{original}}', 'card:system_prompt'],
      ['CARD {{original}}', false, 'STORY {{char}}', 'settings:system prompt: Story'],
    ];
    for (const [own, prefer, text, source] of cases) {
      const g = gatherParts(input({ card: card({ system_prompt: own, post_history_instructions: '' }), promptSettings: { ...presets, preferCardSystemPrompt: prefer } }));
      assert.equal(g.system[0]!.text, text);
      assert.equal(where([g.system[0]!])[0], source);
      assert.deepEqual(g.system[0]!.macros, { kind: 'override', original: 'STORY {{char}}' });
      assert.deepEqual(g.tail.map((t) => [t.text, t.source.kind]), [['GLOBAL-PHI', 'settings']]);
    }
    const own = gatherParts(input({ promptSettings: presets }));
    assert.deepEqual(own.tail.map((t) => [t.text, t.source.kind]), [['PHI', 'card']]);
    assert.equal(gatherParts(input({ promptSettings: { ...presets, preferCardPostHistory: false } })).tail[0]!.text, 'GLOBAL-PHI');
    // An active id that names no preset uses the first.
    assert.equal(gatherParts(input({ promptSettings: { ...presets, activeSystemPrompt: 'gone' } })).system[0]!.text, 'PLAIN');
  });

  test('"Start reply with": the open turn where the backend extends it, else a system message last; new replies only', () => {
    const history = [message('user', 'hi'), message('assistant', 'reply')];
    // [api, continue prefill, mode, open text, tail]
    const cases: Array<[PromptAssemblyInput['api'], boolean, PromptAssemblyInput['mode'], string, string[]]> = [
      ['chat-completions', true, 'new', 'Sure,', ['PHI']],
      ['chat-completions', false, 'new', '', ['PHI', 'Sure,']],
      ['text-completions', false, 'swipe', 'Sure,', ['PHI']],
      ['anthropic', false, 'regenerate', 'Sure,', ['PHI']],
      ['chat-completions', true, 'continue', 'reply', ['PHI']],
      ['chat-completions', true, 'impersonate', '', ['PHI', IMPERSONATION_PROMPT]],
    ];
    for (const [api, continuePrefill, mode, open, tail] of cases) {
      const g = gatherParts(input({ api, mode, history, promptSettings: settings({ startReplyWith: 'Sure,', continuePrefill }) }));
      assert.equal(g.open.text, open, `${api} ${mode}`);
      assert.deepEqual(g.tail.map((t) => t.text), tail, `${api} ${mode}`);
      assert.equal(g.replyPrefix, mode === 'continue' || mode === 'impersonate' ? null : 'start_reply_with');
    }
    assert.equal(gatherParts(input({ promptSettings: settings({ startReplyWith: 'Sure,', showStartReplyWith: false }) })).replyPrefix, null);
  });

  test("Continue without prefill: SillyTavern's nudge names the reply, which leaves the chat; a space joins the continuation", () => {
    const history = [message('user', 'hi'), message('assistant', 'The night was')];
    const g = gatherParts(input({ mode: 'continue', history, promptSettings: settings({ continuePrefill: false }) }));
    assert.equal(g.history.length, 1);
    assert.equal(g.open.text, '');
    assert.equal(g.continuing, false);
    assert.equal(g.target?.id, history[1]!.id);
    assert.match(g.tail[0]!.text, /^\[Continue the following message\..*: The night was\]$/);
    assert.deepEqual(g.tail.map((t) => t.part), ['continue_nudge', 'post_history_instructions']);
    assert.equal(g.replyPrefix, 'space');
    // Text completion always continues in place.
    const text = gatherParts(input({ api: 'text-completions', mode: 'continue', history, promptSettings: settings({ continuePrefill: false }) }));
    assert.equal(text.open.text, 'The night was');
  });

  test("the Author's Note: in the chat at its depth and role, before the prompt, or after the scenario; with world info's note entries", () => {
    const note = { prompt: 'NOTE {{char}}', interval: 1, depth: 2, role: 'user' as const };
    const inChat = gatherParts(input({ authorsNote: { ...note, position: 'in_chat' }, worldInfo: { ...wi, authorsNoteTop: ['TOP'], authorsNoteBottom: ['BOTTOM'] } }));
    const placed = inChat.injections.find((j) => j.part === 'authors_note')!;
    assert.deepEqual([placed.text, placed.depth, placed.role, placed.name], ['TOP\nNOTE {{char}}\nBOTTOM', 2, 'user', 'Ann']);
    const before = gatherParts(input({ authorsNote: { ...note, position: 'before_prompt' } }));
    assert.equal(before.system[0]!.part, 'authors_note');
    const after = gatherParts(input({ authorsNote: { ...note, position: 'after_scenario' } }));
    assert.deepEqual(after.system.map((p) => p.part).slice(-2), ['persona', 'authors_note']);
    assert.equal(after.injections.length, 0);
  });

  test("the Author's Note's frequency counts the user's messages as SillyTavern does; a character's note replaces or wraps it", () => {
    const note = (interval: number) => ({ prompt: 'NOTE', interval, depth: 4, role: 'system' as const, position: 'in_chat' as const });
    // [interval, user messages, sent]
    const cases: Array<[number, number, boolean]> = [
      [1, 0, true],
      [0, 5, false],
      [3, 0, false],
      [3, 1, false],
      [3, 3, true],
      [3, 4, false],
      [3, 6, true],
    ];
    for (const [interval, users, sent] of cases) {
      const g = gatherParts(input({ authorsNote: note(interval), userMessageCount: users }));
      assert.equal(g.injections.some((j) => j.part === 'authors_note'), sent, `${interval}/${users}`);
    }
    const text = (placement: 'replace' | 'before' | 'after', enabled = true) =>
      gatherParts(input({ authorsNote: note(1), characterNote: { prompt: 'CHAR', enabled, placement } })).injections.find((j) => j.part === 'authors_note')?.text;
    assert.equal(text('replace'), 'CHAR');
    assert.equal(text('before'), 'CHAR\nNOTE');
    assert.equal(text('after'), 'NOTE\nCHAR');
    assert.equal(text('after', false), 'NOTE');
  });
});
