import type { InstructTemplateName } from '../../shared/api/generation.js';

export interface TurnFormat {
  prefix: string;
  suffix: string;
}

/** How a text-completion prompt wraps each turn, and where the model must stop. */
export interface InstructTemplate {
  name: InstructTemplateName;
  label: string;
  system: TurnFormat;
  user: TurnFormat;
  assistant: TurnFormat;
  /** Strings that end the model's turn; sent as `stop` so a reply never runs into the next turn. */
  stop: string[];
}

/*
 * No template writes a BOS token (<s>, <|begin_of_text|>): llama.cpp, KoboldCpp, vLLM and TabbyAPI add it to a
 * completion prompt themselves, and a second one degrades output.
 */
export const INSTRUCT_TEMPLATES: Readonly<Record<InstructTemplateName, InstructTemplate>> = {
  chatml: {
    name: 'chatml',
    label: 'ChatML (Qwen, Hermes, Yi, many fine-tunes)',
    system: { prefix: '<|im_start|>system\n', suffix: '<|im_end|>\n' },
    user: { prefix: '<|im_start|>user\n', suffix: '<|im_end|>\n' },
    assistant: { prefix: '<|im_start|>assistant\n', suffix: '<|im_end|>\n' },
    stop: ['<|im_end|>', '<|im_start|>'],
  },
  llama3: {
    name: 'llama3',
    label: 'Llama 3',
    system: { prefix: '<|start_header_id|>system<|end_header_id|>\n\n', suffix: '<|eot_id|>' },
    user: { prefix: '<|start_header_id|>user<|end_header_id|>\n\n', suffix: '<|eot_id|>' },
    assistant: { prefix: '<|start_header_id|>assistant<|end_header_id|>\n\n', suffix: '<|eot_id|>' },
    stop: ['<|eot_id|>', '<|start_header_id|>'],
  },
  mistral: {
    name: 'mistral',
    label: 'Mistral ([INST] … [/INST])',
    // Mistral's instruct format has no system turn before v7; the system text goes in an instruction of its own.
    system: { prefix: '[INST] ', suffix: ' [/INST]' },
    user: { prefix: '[INST] ', suffix: ' [/INST]' },
    assistant: { prefix: '', suffix: '</s>' },
    stop: ['</s>', '[INST]'],
  },
  alpaca: {
    name: 'alpaca',
    label: 'Alpaca (### Instruction / ### Response)',
    system: { prefix: '', suffix: '\n\n' },
    user: { prefix: '### Instruction:\n', suffix: '\n\n' },
    assistant: { prefix: '### Response:\n', suffix: '\n\n' },
    stop: ['### Instruction:', '### Response:', '### Input:'],
  },
};
