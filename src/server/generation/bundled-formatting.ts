import { ContextTemplate, InstructTemplate } from '../../shared/api/text-formatting.js';

/*
 * The instruct templates Parley ships, written from each model family's published chat format (its model card or
 * tokenizer chat template). No template writes a BOS token (<s>, <|begin_of_text|>): llama.cpp, KoboldCpp, vLLM and
 * TabbyAPI add it to a completion prompt themselves, and a second one degrades output. Names are written always,
 * as Parley did before templates were editable; a template of one's own can say otherwise.
 */
const instruct = (t: Partial<InstructTemplate> & { name: string }): InstructTemplate => InstructTemplate.parse({ names_behavior: 'always', ...t });

/** Same sequence and suffix for system, user and assistant turns: the tag-per-role families. */
function tagged(name: string, tags: { system: string; user: string; assistant: string }, end: string, wrap: boolean, stop = end.trim()) {
  return instruct({
    name,
    system_sequence: tags.system,
    input_sequence: tags.user,
    output_sequence: tags.assistant,
    system_suffix: end,
    input_suffix: end,
    output_suffix: end,
    story_string_prefix: tags.system,
    story_string_suffix: end,
    stop_sequence: stop,
    wrap,
  });
}

export const BUNDLED_INSTRUCT: Readonly<Record<string, InstructTemplate>> = {
  chatml: tagged('ChatML (Qwen, Hermes, Yi, many fine-tunes)', { system: '<|im_start|>system', user: '<|im_start|>user', assistant: '<|im_start|>assistant' }, '<|im_end|>\n', true),
  llama3: tagged(
    'Llama 3',
    {
      system: '<|start_header_id|>system<|end_header_id|>\n\n',
      user: '<|start_header_id|>user<|end_header_id|>\n\n',
      assistant: '<|start_header_id|>assistant<|end_header_id|>\n\n',
    },
    '<|eot_id|>',
    false,
  ),
  llama2: instruct({
    name: 'Llama 2 Chat',
    story_string_prefix: '[INST] <<SYS>>\n',
    story_string_suffix: '\n<</SYS>>\n\n',
    input_sequence: '[INST] ',
    input_suffix: ' [/INST] ',
    output_suffix: ' </s>',
    system_sequence: '[INST] ',
    system_suffix: ' [/INST] ',
    stop_sequence: '</s>',
    wrap: false,
  }),
  // Mistral's formats before v7 have no system turn: the system text goes in an instruction of its own.
  'mistral-v3': instruct({
    name: 'Mistral V2 & V3',
    story_string_prefix: '[INST] ',
    story_string_suffix: '[/INST]',
    system_sequence: '[INST] ',
    system_suffix: '[/INST]',
    input_sequence: '[INST] ',
    input_suffix: '[/INST]',
    output_sequence: ' ',
    output_suffix: '</s>',
    stop_sequence: '</s>',
    wrap: false,
  }),
  'mistral-tekken': instruct({
    name: 'Mistral V3-Tekken (Nemo)',
    story_string_prefix: '[INST]',
    story_string_suffix: '[/INST]',
    system_sequence: '[INST]',
    system_suffix: '[/INST]',
    input_sequence: '[INST]',
    input_suffix: '[/INST]',
    output_suffix: '</s>',
    stop_sequence: '</s>',
    wrap: false,
  }),
  'mistral-v7': instruct({
    name: 'Mistral V7 (Large 2411, Small 3)',
    story_string_prefix: '[SYSTEM_PROMPT] ',
    story_string_suffix: '[/SYSTEM_PROMPT]',
    system_sequence: '[SYSTEM_PROMPT] ',
    system_suffix: '[/SYSTEM_PROMPT]',
    input_sequence: '[INST] ',
    input_suffix: '[/INST]',
    output_sequence: ' ',
    output_suffix: '</s>',
    stop_sequence: '</s>',
    wrap: false,
  }),
  alpaca: instruct({
    name: 'Alpaca',
    input_sequence: '### Instruction:',
    output_sequence: '### Response:',
    system_sequence: '### Input:',
    input_suffix: '\n\n',
    output_suffix: '\n\n',
    system_suffix: '\n\n',
    story_string_suffix: '\n',
    wrap: true,
  }),
  vicuna: instruct({ name: 'Vicuna 1.1', input_sequence: 'USER:', output_sequence: 'ASSISTANT:', system_sequence: 'SYSTEM:', wrap: true }),
  metharme: instruct({
    name: 'Metharme (Pygmalion)',
    story_string_prefix: '<|system|>',
    system_sequence: '<|system|>',
    input_sequence: '<|user|>',
    output_sequence: '<|model|>',
    stop_sequence: '</s>',
    wrap: false,
  }),
  // Gemma has no system turn: the system text opens the first user turn.
  gemma: tagged('Gemma 2 / 3', { system: '<start_of_turn>user', user: '<start_of_turn>user', assistant: '<start_of_turn>model' }, '<end_of_turn>\n', true),
  'command-r': tagged(
    'Command-R',
    {
      system: '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>',
      user: '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>',
      assistant: '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>',
    },
    '<|END_OF_TURN_TOKEN|>',
    false,
  ),
  phi3: tagged('Phi-3', { system: '<|system|>', user: '<|user|>', assistant: '<|assistant|>' }, '<|end|>\n', true),
  deepseek: instruct({
    name: 'DeepSeek V2.5 / V3',
    // The system text opens the prompt as it is; later system messages go as the user's (DeepSeek has no system turn).
    system_same_as_user: true,
    input_sequence: '<｜User｜>',
    output_sequence: '<｜Assistant｜>',
    output_suffix: '<｜end▁of▁sentence｜>',
    stop_sequence: '<｜end▁of▁sentence｜>',
    wrap: false,
  }),
};

/** Ids that named a template before templates were editable, or another name of a bundled one. */
const INSTRUCT_ALIASES: Readonly<Record<string, string>> = { mistral: 'mistral-v3', qwen: 'chatml', gemma2: 'gemma', gemma3: 'gemma' };

export const DEFAULT_INSTRUCT_ID = 'chatml';

/**
 * Parley's story string: each part of the card on its own line when it has text, the labels Parley has always
 * written, the Author's Note where its position puts it, and no trailing newline ({{trim}}: the instruct
 * template's `wrap` decides).
 */
const STORY_STRING = [
  '{{#if anchorBefore}}{{anchorBefore}}\n{{/if}}',
  '{{#if system}}{{system}}\n{{/if}}',
  '{{#if wiBefore}}{{wiBefore}}\n{{/if}}',
  '{{#if description}}{{description}}\n{{/if}}',
  "{{#if personality}}{{char}}'s personality: {{personality}}\n{{/if}}",
  '{{#if scenario}}Scenario: {{scenario}}\n{{/if}}',
  '{{#if wiAfter}}{{wiAfter}}\n{{/if}}',
  '{{#if persona}}{{persona}}\n{{/if}}',
  '{{#if anchorAfter}}{{anchorAfter}}\n{{/if}}',
  '{{trim}}',
].join('');

const context = (t: Partial<ContextTemplate> & { name: string }): ContextTemplate => ContextTemplate.parse({ story_string: STORY_STRING, ...t });

export const BUNDLED_CONTEXT: Readonly<Record<string, ContextTemplate>> = {
  // The instruct template's sequences mark where the chat starts: nothing between the parts.
  instruct: context({ name: 'Instruct (no separators)' }),
  // For plain-text models and instruct templates without turn markers.
  default: context({ name: 'Default (*** separators)', example_separator: '***', chat_start: '***', use_stop_strings: true }),
};

export const DEFAULT_CONTEXT_ID = 'instruct';

export const bundledInstructId = (id: string): string | undefined =>
  Object.hasOwn(BUNDLED_INSTRUCT, id) ? id : Object.hasOwn(INSTRUCT_ALIASES, id) ? INSTRUCT_ALIASES[id] : undefined;
