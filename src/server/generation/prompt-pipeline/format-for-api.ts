import type { ConnectionApi, InstructTemplateName } from '../../../shared/api/generation.js';
import { INSTRUCT_TEMPLATES, type InstructTemplate } from '../instruct-templates.js';
import { chatFormat, neutralFormat, textFormat, type FormattedPrompt, type PromptFormat, type Turn } from '../prompt-format.js';
import type { Tokenizer } from '../tokenizer.js';
import type { ChatItem, PromptPart } from './prompt-parts.js';

/** Used for text completion when the connection names no instruct template. */
export const DEFAULT_INSTRUCT_TEMPLATE: InstructTemplateName = 'chatml';

export const instructTemplate = (name: InstructTemplateName | null | undefined): InstructTemplate =>
  INSTRUCT_TEMPLATES[name ?? DEFAULT_INSTRUCT_TEMPLATE];

/** The wire format of an API: OpenAI's messages, the neutral form Anthropic's and Gemini's builders take (with
 *  the expanded prefill), or one text in an instruct template. */
export function formatFor(api: ConnectionApi, tokenizer: Tokenizer, template: InstructTemplate, prefill: string): PromptFormat {
  if (api === 'chat-completions') return chatFormat(tokenizer);
  if (api === 'anthropic' || api === 'google') return neutralFormat(tokenizer, prefill);
  return textFormat(template, tokenizer);
}

export const turnOf = (part: PromptPart): Turn => ({ role: part.role, name: part.name, text: part.text });

/** The one system block before the chat: its parts and the kept example blocks, newline-joined, empties left out. */
export function systemBlock(system: readonly PromptPart[], examples: readonly PromptPart[]): Turn {
  const text = [...system, ...examples]
    .map((p) => p.text)
    .filter(Boolean)
    .join('\n');
  return { role: 'system', name: 'system', text };
}

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
    [systemBlock(layout.system, layout.examples), ...layout.chat.map((item) => turnOf(item.part)), ...layout.tail.map(turnOf)],
    turnOf(layout.open),
  );
}
