import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContextTemplate, InstructTemplate } from '../../../src/shared/api/text-formatting.js';
import { instructStopStrings } from '../../../src/server/generation/instruct-format.js';
import { formatFor, formatForApi, type PromptLayout } from '../../../src/server/generation/prompt-pipeline/format-for-api.js';
import type { PromptPart } from '../../../src/server/generation/prompt-pipeline/prompt-parts.js';
import { renderStoryTemplate, StoryStringError } from '../../../src/server/generation/story-string.js';
import { charTokenizer, depthPart, messagePart, systemPart } from '../../support/prompt-parts.js';

describe('story string templates', () => {
  const cases: Array<[template: string, params: Record<string, string>, expected: string]> = [
    ['{{#if a}}A{{/if}}|', { a: '' }, '|'],
    ['{{#if a}}A{{/if}}|', { a: 'x' }, 'A|'],
    ['{{#if a}}A{{/if}}|', {}, '|'],
    ['{{#if a}}A{{else}}B{{/if}}', { a: '' }, 'B'],
    ['{{#unless a}}none{{else}}some {{a}}{{/unless}}', { a: 'x' }, 'some x'],
    ['{{#unless a}}none{{/unless}}', {}, 'none'],
    ['{{#if a}}[{{#if b}}{{b}}{{else}}-{{/if}}]{{/if}}', { a: '1', b: '' }, '[-]'],
    ['{{ a }} and {{a}}', { a: 'x' }, 'x and x'],
    // A macro the story string does not know is left for the macro stage.
    ['{{char}}: {{random::a::b}} {{original}}', { char: 'Sera' }, 'Sera: {{random::a::b}} {{original}}'],
    ['{{#if a}}A\n{{/if}}{{#if b}}B\n{{/if}}{{trim}}', { a: '1', b: '1' }, 'A\nB'],
    ['A\n\n{{trim}}\nB', {}, 'AB'],
    // A value is written as it is, even when it looks like a tag.
    ['{{a}}', { a: '{{#if b}}' }, '{{#if b}}'],
  ];
  for (const [template, params, expected] of cases) {
    test(`${JSON.stringify(template)} with ${JSON.stringify(params)}`, () => assert.equal(renderStoryTemplate(template, params), expected));
  }

  for (const broken of ['{{#if a}}A', '{{/if}}', '{{#if a}}A{{/unless}}']) {
    test(`${JSON.stringify(broken)} is an error`, () => assert.throws(() => renderStoryTemplate(broken, { a: '1' }), StoryStringError));
  }
});

/** A ChatML-like template with every sequence told apart, so each case shows which one was used. */
const base = InstructTemplate.parse({
  name: 'T',
  input_sequence: '<u>',
  output_sequence: '<a>',
  system_sequence: '<s>',
  input_suffix: '</u>\n',
  output_suffix: '</a>\n',
  system_suffix: '</s>\n',
  story_string_prefix: '<story>',
  story_string_suffix: '</story>\n',
  stop_sequence: '<end>',
  names_behavior: 'always',
  wrap: true,
});
const context = ContextTemplate.parse({ name: 'C', story_string: '{{#if system}}{{system}}\n{{/if}}{{#if description}}{{description}}\n{{/if}}{{trim}}' });

const openTurn: PromptPart = { ...messagePart('open', 'assistant', ''), source: { kind: 'default', detail: 'open_turn' } };
const layout = (over: Partial<PromptLayout> = {}): PromptLayout => ({
  system: [systemPart('system_prompt', 'SYS')],
  examples: [],
  chat: [
    { part: messagePart('m1', 'assistant', 'Hello'), injected: false },
    { part: messagePart('m2', 'user', 'Hi'), injected: false },
  ],
  tail: [],
  open: openTurn,
  ...over,
});

function render(instruct: Partial<InstructTemplate> = {}, ctx: Partial<ContextTemplate> = {}, over: Partial<PromptLayout> = {}, inGroup = false) {
  const format = formatFor({
    inGroup,
    api: 'text-completions',
    tokenizer: charTokenizer,
    prefill: '',
    text: { instruct: { ...base, ...instruct }, context: { ...context, ...ctx } },
    names: { user: 'Ann', char: 'Sera' },
    expand: (t) => t.replace(/\{\{char\}\}/g, 'Sera').replace(/\{\{user\}\}/g, 'Ann'),
  });
  const out = formatForApi(format, layout(over));
  assert.equal(out.kind, 'text');
  return out.kind === 'text' ? out.prompt : '';
}

const STORY = '<story>\nSYS\n</story>\n';

describe('instruct formatting: the cases SillyTavern distinguishes', () => {
  const cases: Array<[name: string, instruct: Partial<InstructTemplate>, ctx: Partial<ContextTemplate>, over: Partial<PromptLayout>, expected: string]> = [
    ['the plain case', {}, {}, {}, `${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`],
    [
      'first output and last input sequences',
      { first_output_sequence: '<a1>', last_input_sequence: '<uN>', first_input_sequence: '<u1>' },
      {},
      {},
      `${STORY}<a1>\nSera: Hello</a>\n<uN>\nAnn: Hi</u>\n<a>\nSera:`,
    ],
    ['the last output sequence opens the reply', { last_output_sequence: '<aN>' }, {}, {}, `${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<aN>\nSera:`],
    ['names "none": no names, and the reply line ends in a newline', { names_behavior: 'none' }, {}, {}, `${STORY}<a>\nHello</a>\n<u>\nHi</u>\n<a>\n`],
    ['names "force": only a speaker who is not the character', { names_behavior: 'force' }, {}, {
      chat: [
        { part: { ...messagePart('m1', 'assistant', 'Yo'), name: 'Kai' }, injected: false },
        { part: messagePart('m2', 'assistant', 'Hello'), injected: false },
        { part: messagePart('m3', 'user', 'Hi'), injected: false },
      ],
    }, `${STORY}<a>\nKai: Yo</a>\n<a>\nHello</a>\n<u>\nHi</u>\n<a>\n`],
    ['wrap off: no newlines added', { wrap: false, input_suffix: '', output_suffix: '' }, {}, {}, '<story>SYS</story>\n<a>Sera: Hello<u>Ann: Hi<a>Sera:'],
    [
      'a user alignment message before a chat that starts with the character',
      { user_alignment_message: 'Let us start.' },
      {},
      {},
      `${STORY}<u>\nAnn: Let us start.</u>\n<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`,
    ],
    [
      'narrator messages in the system sequences, or the user\'s when system_same_as_user',
      { system_same_as_user: true },
      {},
      { tail: [systemPart('post_history_instructions', 'PHI')] },
      `${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<u>\nPHI</u>\n<a>\nSera:`,
    ],
    [
      'the example separator before each example block, the chat start before the chat',
      {},
      { example_separator: '***', chat_start: '--- {{char}} ---' },
      { examples: [systemPart('example_dialogue', '<START>\nAnn: Q\nSera: A\nmore')] },
      `${STORY}***\n<u>\nAnn: Q</u>\n<a>\nSera: A\nmore</a>\n--- Sera ---\n<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`,
    ],
    [
      'skip_examples: example blocks as written',
      { skip_examples: true },
      { example_separator: '***' },
      { examples: [systemPart('example_dialogue', '<START>\nAnn: Q\nSera: A')] },
      `${STORY}***\nAnn: Q\nSera: A\n<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`,
    ],
    [
      'continue: the reply in the last output sequence, cut after its text',
      { last_output_sequence: '<aN>' },
      {},
      { chat: [{ part: messagePart('m2', 'user', 'Hi'), injected: false }], open: messagePart('m3', 'assistant', 'Hello the') },
      `${STORY}<u>\nAnn: Hi</u>\n<aN>\nSera: Hello the`,
    ],
    [
      'start reply with: after the name',
      {},
      {},
      { open: { ...openTurn, part: 'start_reply_with', source: { kind: 'settings', detail: 'start_reply_with' }, text: 'Well,' } },
      `${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera: Well,`,
    ],
    [
      'impersonation: the user\'s sequence and name',
      {},
      {},
      { open: { ...openTurn, role: 'user', name: 'Ann' } },
      `${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<u>\nAnn:`,
    ],
    [
      'macros and {{name}} in sequences',
      { input_sequence: '<u {{name}}>', output_sequence: '<a {{char}}>' },
      {},
      {},
      `${STORY}<a Sera>\nSera: Hello</a>\n<u Ann>\nAnn: Hi</u>\n<a Sera>\nSera:`,
    ],
    [
      'an Author\'s Note before the prompt goes before a story string that does not place it',
      {},
      {},
      { system: [{ ...systemPart('authors_note', 'NOTE') }, systemPart('system_prompt', 'SYS')] },
      `NOTE\n${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`,
    ],
    [
      'a field in the story string without its label',
      {},
      {},
      { system: [systemPart('system_prompt', 'SYS'), { ...systemPart('description', 'Desc: tall'), value: 'tall' }] },
      `<story>\nSYS\ntall\n</story>\n<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`,
    ],
    ['a broken story string of the user\'s: Parley\'s own takes its place', {}, { story_string: '{{#if system}}{{system}}' }, {}, `${STORY}<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`],
    ['an empty story string writes no story sequences', {}, {}, { system: [systemPart('system_prompt', '')] }, `<a>\nSera: Hello</a>\n<u>\nAnn: Hi</u>\n<a>\nSera:`],
    [
      'depth injections are turns of their role',
      {},
      {},
      { chat: [{ part: messagePart('m2', 'user', 'Hi'), injected: false }, { part: depthPart(0, 'system', 'NOTE'), injected: true }] },
      `${STORY}<u>\nAnn: Hi</u>\n<s>\nNOTE</s>\n<a>\nSera:`,
    ],
  ];
  for (const [name, instruct, ctx, over, expected] of cases) {
    test(name, () => assert.equal(render(instruct, ctx, over), expected));
  }

  test('names "force" in a group: every member\'s name, the speaker\'s on the reply line and in examples', () => {
    const chat = [
      { part: { ...messagePart('m1', 'assistant', 'Yo'), name: 'Kai' }, injected: false },
      { part: messagePart('m2', 'user', 'Hi'), injected: false },
    ];
    const examples = [systemPart('example_dialogue', '<START>\nAnn: Q\nSera: A')];
    assert.equal(
      render({ names_behavior: 'force' }, {}, { chat, examples }, true),
      `${STORY}<u>\nAnn: Q</u>\n<a>\nSera: A</a>\n<a>\nKai: Yo</a>\n<u>\nHi</u>\n<a>\nSera:`,
    );
  });
});

describe('text completion stop strings', () => {
  const stops = (instruct: Partial<InstructTemplate>, ctx: Partial<ContextTemplate>, mode: { impersonate?: boolean; continuingUser?: boolean } = {}) =>
    instructStopStrings({
      instruct: { ...base, ...instruct },
      context: { ...context, ...ctx },
      names: { user: 'Ann', char: 'Sera' },
      expand: (t) => t.replace(/\{\{char\}\}/g, 'Sera'),
      impersonate: mode.impersonate ?? false,
      continuingUser: mode.continuingUser ?? false,
    });
  const cases: Array<[name: string, instruct: Partial<InstructTemplate>, ctx: Partial<ContextTemplate>, mode: { impersonate?: boolean; continuingUser?: boolean }, expected: string[]]> = [
    ['names and sequences, a newline before each when wrapping', {}, {}, {}, ['\nAnn:', '\n<end>', '\n<u>', '\n<a>', '\n<s>']],
    ['impersonating: the character\'s name first', {}, {}, { impersonate: true }, ['\nSera:', '\nAnn:', '\n<end>', '\n<u>', '\n<a>', '\n<s>']],
    ['continuing after the user: both names', {}, {}, { continuingUser: true }, ['\nAnn:', '\nSera:', '\n<end>', '\n<u>', '\n<a>', '\n<s>']],
    ['no names as stop strings', {}, { names_as_stop_strings: false }, {}, ['\n<end>', '\n<u>', '\n<a>', '\n<s>']],
    ['sequences_as_stop_strings off: the stop sequence only', { sequences_as_stop_strings: false }, {}, {}, ['\nAnn:', '\n<end>']],
    ['wrap off: the sequences as they are; whitespace-only ones left out', { wrap: false, output_sequence: ' ' }, {}, {}, ['\nAnn:', '<end>', '<u>', '<s>']],
    ['the chat start and separator with use_stop_strings', {}, { use_stop_strings: true, chat_start: '--- {{char}}', example_separator: '***' }, {}, ['\nAnn:', '\n<end>', '\n<u>', '\n<a>', '\n<s>', '\n--- Sera', '\n***']],
    ['single line: a newline first', {}, { single_line: true }, {}, ['\n', '\nAnn:', '\n<end>', '\n<u>', '\n<a>', '\n<s>']],
  ];
  for (const [name, instruct, ctx, mode, expected] of cases) {
    test(name, () => assert.deepEqual(stops(instruct, ctx, mode), expected));
  }
});
