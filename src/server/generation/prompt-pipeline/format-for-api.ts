import type { ConnectionApi } from '../../../shared/api/generation.js';
import type { ContextTemplate, InstructTemplate } from '../../../shared/api/text-formatting.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT, DEFAULT_CONTEXT_ID, DEFAULT_INSTRUCT_ID } from '../bundled-formatting.js';
import { instructFormat } from '../instruct-format.js';
import { chatFormat, neutralFormat, type FormattedPrompt, type PromptFormat, type Turn } from '../prompt-format.js';
import type { Tokenizer } from '../tokenizer.js';
import type { ChatItem, ManagedLayout, PromptPart } from './prompt-parts.js';

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

export const turnOf = (part: PromptPart): Turn => ({
  role: part.role,
  name: part.name,
  text: part.text,
  ...(part.messageName ? { messageName: part.messageName } : {}),
  ...(part.apart ? { apart: true } : {}),
});

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

/**
 * The turns before the chat: text completion's own preamble (story string and examples); for message APIs,
 * Parley's one system block, or, laid out by a prompt manager preset, each part its own message with the examples
 * at their place (empty ones left out, as SillyTavern does).
 */
export function leadTurns(format: PromptFormat, system: readonly PromptPart[], examples: readonly PromptPart[], managed: ManagedLayout | undefined): Turn[] {
  if (format.preamble) return [format.preamble(system, examples)];
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
  const turns = [...leadTurns(format, layout.system, layout.examples, layout.managed), ...layout.chat.map((item) => turnOf(item.part)), ...layout.tail.map(turnOf)];
  return format.render(layout.managed?.squash ? squashSystemTurns(turns) : turns, openTurnOf(layout.open));
}
