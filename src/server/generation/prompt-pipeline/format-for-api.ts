import type { ConnectionApi, InstructTemplateName } from '../../../shared/api/generation.js';
import { INSTRUCT_TEMPLATES, type InstructTemplate } from '../instruct-templates.js';
import { chatFormat, neutralFormat, textFormat, type FormattedPrompt, type PromptFormat, type Turn } from '../prompt-format.js';
import type { Tokenizer } from '../tokenizer.js';
import type { ChatItem, ManagedLayout, PromptPart } from './prompt-parts.js';

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

export const turnOf = (part: PromptPart): Turn => ({
  role: part.role,
  name: part.name,
  text: part.text,
  ...(part.messageName ? { messageName: part.messageName } : {}),
  ...(part.apart ? { apart: true } : {}),
});

/** The one system block before the chat: its parts and the kept example blocks, newline-joined, empties left out. */
export function systemBlock(system: readonly PromptPart[], examples: readonly PromptPart[]): Turn {
  const text = [...system, ...examples]
    .map((p) => p.text)
    .filter(Boolean)
    .join('\n');
  return { role: 'system', name: 'system', text };
}

/**
 * The turns before the chat: Parley's one system block, or, laid out by a prompt manager preset, each part its own
 * message with the examples at their place (empty ones left out, as SillyTavern does).
 */
export function leadTurns(system: readonly PromptPart[], examples: readonly PromptPart[], managed: ManagedLayout | undefined): Turn[] {
  if (!managed) return [systemBlock(system, examples)];
  return [...system.slice(0, managed.examplesAt), ...examples, ...system.slice(managed.examplesAt)].filter((p) => p.text !== '').map(turnOf);
}

/** SillyTavern's squash_system_messages: consecutive unnamed system messages become one, newline-joined; the
 *  new-chat and example-chat markers stay apart. */
export function squashSystemTurns(turns: readonly Turn[]): Turn[] {
  const squashable = (t: Turn) => t.role === 'system' && !t.messageName && !t.apart;
  const out: Turn[] = [];
  for (const turn of turns) {
    if (turn.role === 'system' && !turn.text) continue;
    const last = out.at(-1);
    if (last && squashable(last) && squashable(turn)) out[out.length - 1] = { ...last, text: `${last.text}\n${turn.text}` };
    else out.push(turn);
  }
  return out;
}

export interface PromptLayout {
  system: readonly PromptPart[];
  examples: readonly PromptPart[];
  chat: readonly ChatItem[];
  tail: readonly PromptPart[];
  open: PromptPart;
  managed?: ManagedLayout | undefined;
}

/** Stage 5: the laid-out parts in the API's format: what goes before the chat, the chat, the tail, and the open turn. */
export function formatForApi(format: PromptFormat, layout: PromptLayout): FormattedPrompt {
  const turns = [...leadTurns(layout.system, layout.examples, layout.managed), ...layout.chat.map((item) => turnOf(item.part)), ...layout.tail.map(turnOf)];
  return format.render(layout.managed?.squash ? squashSystemTurns(turns) : turns, turnOf(layout.open));
}
