import type { ConnectionApi } from '../../../shared/api/generation.js';
import type { ContextTemplate, InstructTemplate } from '../../../shared/api/text-formatting.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT, DEFAULT_CONTEXT_ID, DEFAULT_INSTRUCT_ID } from '../bundled-formatting.js';
import { instructFormat } from '../instruct-format.js';
import { chatFormat, neutralFormat, type FormattedPrompt, type PromptFormat, type Turn } from '../prompt-format.js';
import type { Tokenizer } from '../tokenizer.js';
import type { ChatItem, PromptPart } from './prompt-parts.js';

/** Text completion's templates; Parley's defaults when the input names none. */
export interface TextFormatting {
  instruct: InstructTemplate;
  context: ContextTemplate;
}

export const DEFAULT_TEXT_FORMATTING: TextFormatting = {
  instruct: BUNDLED_INSTRUCT[DEFAULT_INSTRUCT_ID]!,
  context: BUNDLED_CONTEXT[DEFAULT_CONTEXT_ID]!,
};

export interface FormatChoice {
  api: ConnectionApi;
  tokenizer: Tokenizer;
  /** Anthropic's expanded prefill. */
  prefill: string;
  /** Text completion only. */
  text: TextFormatting;
  names: { user: string; char: string };
  inGroup?: boolean | undefined;
  expand: (text: string) => string;
}

/** The wire format of an API: OpenAI's messages, the neutral form Anthropic's and Gemini's builders take (with
 *  the expanded prefill), or one text in an instruct and a context template. */
export function formatFor(choice: FormatChoice): PromptFormat {
  if (choice.api === 'chat-completions') return chatFormat(choice.tokenizer);
  if (choice.api === 'anthropic' || choice.api === 'google') return neutralFormat(choice.tokenizer, choice.prefill);
  return instructFormat({ ...choice.text, names: choice.names, inGroup: choice.inGroup, expand: choice.expand, tokenizer: choice.tokenizer });
}

export const turnOf = (part: PromptPart): Turn => ({ role: part.role, name: part.name, text: part.text });

/** The open turn: the reply being continued (a stored message), the "Start reply with" text, or an empty header. */
export const openTurnOf = (part: PromptPart): Turn => ({
  ...turnOf(part),
  ...(part.source.kind === 'message' ? { open: 'continue' as const } : part.part === 'start_reply_with' ? { open: 'start_with' as const } : {}),
});

/** The one system block before the chat: its parts and the kept example blocks, newline-joined, empties left out. */
export function systemBlock(system: readonly PromptPart[], examples: readonly PromptPart[]): Turn {
  const text = [...system, ...examples]
    .map((p) => p.text)
    .filter(Boolean)
    .join('\n');
  return { role: 'system', name: 'system', text };
}

/** What goes before the chat in this format: its own preamble (text completion), or the system block. */
export const preambleOf = (format: PromptFormat, system: readonly PromptPart[], examples: readonly PromptPart[]): Turn =>
  format.preamble ? format.preamble(system, examples) : systemBlock(system, examples);

export interface PromptLayout {
  system: readonly PromptPart[];
  examples: readonly PromptPart[];
  chat: readonly ChatItem[];
  tail: readonly PromptPart[];
  open: PromptPart;
}

/** Stage 5: the laid-out parts in the API's format: the system block, the chat, the tail, and the open turn. */
export function formatForApi(format: PromptFormat, layout: PromptLayout): FormattedPrompt {
  return format.render(
    [preambleOf(format, layout.system, layout.examples), ...layout.chat.map((item) => turnOf(item.part)), ...layout.tail.map(turnOf)],
    openTurnOf(layout.open),
  );
}
