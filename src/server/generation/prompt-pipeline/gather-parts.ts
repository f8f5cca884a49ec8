import type { Message } from '../../../shared/api/chats.js';
import { chatAuthorsNote, PromptSettings } from '../../../shared/api/prompt-settings.js';
import { authorsNotePart } from '../authors-note-part.js';
import { characterParts, IMPERSONATION_PROMPT } from '../character-parts.js';
import { managedParts } from '../prompt-manager-parts.js';
import { presetFormat } from '../../../shared/api/prompt-manager.js';
import { worldInfoParts } from '../world-info/world-info-prompt.js';
import type { DepthPart, GatheredPrompt, PromptAssemblyInput, PromptPart } from './prompt-parts.js';

/** APIs whose prompt is a list of role-tagged messages (the others get one text in an instruct template). */
export const takesMessages = (api: PromptAssemblyInput['api']) => api === 'chat-completions' || api === 'anthropic' || api === 'google';

const DEFAULT_SETTINGS = PromptSettings.parse({});

/**
 * Stage 1: every part the prompt may hold, in its section and order, before macros. The system block is the
 * Author's Note placed before the prompt, the system prompt, world info before, description, personality,
 * scenario, world info after, persona, the Author's Note placed after the scenario; examples are world info's top
 * blocks, the card's, world info's bottom ones; then the history, the parts placed at a depth (world info, the
 * Author's Note in the chat), the continue nudge, the post-history instructions, the impersonation prompt or
 * "Start reply with" as a system message, and the turn the model writes.
 */
export function gatherParts(input: PromptAssemblyInput): GatheredPrompt {
  const { mode } = input;
  const settings = input.promptSettings ?? DEFAULT_SETTINGS;
  const char = input.card.name;
  const user = input.persona.name;
  const last = input.history.at(-1);
  const target = last?.role === 'assistant' && (mode === 'regenerate' || mode === 'swipe' || mode === 'continue') ? last : null;
  const past = target ? input.history.slice(0, -1) : input.history;
  // Backends that do not extend a trailing assistant message get SillyTavern's nudge instead, without the reply.
  const nudged = mode === 'continue' && target !== null && input.api === 'chat-completions' && !settings.continuePrefill;
  const newReply = mode === 'new' || mode === 'regenerate' || mode === 'swipe';

  const card = characterParts(input.card, input.persona.description, settings);
  const wi = input.worldInfo ? worldInfoParts(input.worldInfo, { user, char }) : null;
  const note = authorsNotePart(
    input.authorsNote ?? chatAuthorsNote({}, settings.authorsNote),
    input.characterNote,
    { top: input.worldInfo?.authorsNoteTop ?? [], bottom: input.worldInfo?.authorsNoteBottom ?? [] },
    input.userMessageCount ?? input.history.filter((m) => m.role === 'user').length,
    { user, char },
  );
  const messagePart = (m: Message): PromptPart => ({
    part: 'history',
    source: { kind: 'message', detail: m.id },
    role: m.role,
    name: m.name || (m.role === 'user' ? user : char),
    text: m.content,
    macros: { kind: 'text' },
  });
  const emptyTurn = (role: 'user' | 'assistant'): PromptPart => ({
    part: 'history',
    source: { kind: 'default', detail: 'open_turn' },
    role,
    name: role === 'user' ? user : char,
    text: '',
    macros: { kind: 'none' },
  });
  const system = (part: PromptPart['part'], detail: string, text: string): PromptPart => ({
    part,
    source: { kind: 'settings', detail },
    role: 'system',
    name: 'system',
    text,
    macros: { kind: 'text' },
  });
  // A prompt manager preset lays out the prompt of message APIs; text completion keeps its instruct layout.
  const preset = input.promptManager && takesMessages(input.api) ? input.promptManager : null;
  const managed = preset ? managedParts(preset, { card, wi, note, names: { user, char } }) : null;
  const presetText = (field: 'continue_nudge_prompt' | 'impersonation_prompt' | 'send_if_empty', fallback: string) =>
    preset && typeof preset.settings[field] === 'string' ? (preset.settings[field] as string) : fallback;
  const tail: PromptPart[] = [];
  // SillyTavern's send_if_empty: a user turn after a chat that ends with the character.
  const sendIfEmpty = presetText('send_if_empty', '');
  if (sendIfEmpty && newReply && past.at(-1)?.role === 'assistant') tail.push({ ...system('history', 'send_if_empty', sendIfEmpty), role: 'user', name: user });
  if (nudged && target) {
    // {{lastChatMessage}} is the nudge's own parameter (SillyTavern's substituteParamsExtended), read before macros.
    const nudge = presetText('continue_nudge_prompt', settings.continueNudge);
    tail.push(system('continue_nudge', 'continue_nudge', nudge.replace(/\{\{lastChatMessage\}\}/gi, () => target.content.trim())));
  }
  tail.push(...(managed ? managed.after : [card.post_history_instructions]));
  if (mode === 'impersonate' && takesMessages(input.api)) {
    tail.push({
      part: 'impersonation_prompt',
      source: { kind: 'default', detail: 'impersonation_prompt' },
      role: 'system',
      name: 'system',
      text: presetText('impersonation_prompt', IMPERSONATION_PROMPT),
      macros: { kind: 'text' },
    });
  }
  // Anthropic's prefill makes a new reply start with the profile's text; a continued reply is its own prefill.
  const prefillText = input.api === 'anthropic' && mode !== 'continue' && mode !== 'impersonate' ? (input.settings.assistant_prefill ?? '') : '';
  const prefill: PromptPart | null = prefillText
    ? { part: 'history', source: { kind: 'settings', detail: 'assistant_prefill' }, role: 'assistant', name: char, text: prefillText, macros: { kind: 'text' } }
    : null;
  // "Start reply with": the open turn's text where the backend extends it, else an instruction after the rest.
  const startWith = newReply && settings.startReplyWith ? settings.startReplyWith : '';
  const startAsText = startWith !== '' && input.api === 'chat-completions' && !settings.continuePrefill;
  if (startAsText) tail.push(system('start_reply_with', 'start_reply_with', startWith));
  let open = mode === 'continue' && target && !nudged ? messagePart(target) : emptyTurn(mode === 'impersonate' ? 'user' : 'assistant');
  if (startWith && !startAsText) open = { ...open, part: 'start_reply_with', source: { kind: 'settings', detail: 'start_reply_with' }, text: startWith, macros: { kind: 'text' } };
  const replyPrefix =
    startWith && settings.showStartReplyWith
      ? 'start_reply_with'
      : !startWith && prefill && input.settings.show_prefill
        ? 'prefill'
        : nudged && target && !/\s$/.test(target.content)
          ? 'space'
          : null;

  const injections: DepthPart[] = [...(wi?.injections ?? []), ...(note?.position === 'in_chat' ? [note.part] : []), ...(managed?.injections ?? [])];
  const examples = [...(wi?.examplesTop ?? []), ...card.examples, ...(wi?.examplesBottom ?? [])];
  const rest: Omit<GatheredPrompt, 'system' | 'examples' | 'history'> = {
    injections, tail, open, prefill, replyPrefix, target, continuing: mode === 'continue' && target !== null && !nudged };
  if (managed) {
    // SillyTavern sends no history (nor what is placed in it) without the chatHistory marker, and no examples without
    // dialogueExamples.
    const withHistory = preset!.order.some((e) => e.identifier === 'chatHistory' && e.enabled);
    const withExamples = preset!.order.some((e) => e.identifier === 'dialogueExamples' && e.enabled);
    const newChat = presetFormat(preset!, 'new_chat_prompt');
    return {
      ...rest,
      system: [...managed.before, ...(withHistory && newChat ? [{ ...system('history', 'new_chat_prompt', newChat), apart: true }] : [])],
      examples: withExamples ? examples : [],
      history: withHistory ? past.map(messagePart) : [],
      injections: withHistory ? injections : [],
      managed: managed.layout,
    };
  }
  return {
    system: [
      ...(note?.position === 'before_prompt' ? [note.part] : []),
      card.system_prompt,
      ...(wi ? [wi.before] : []),
      card.description,
      card.personality,
      card.scenario,
      ...(wi ? [wi.after] : []),
      card.persona,
      ...(note?.position === 'after_scenario' ? [note.part] : []),
    ],
    examples,
    history: past.map(messagePart),
    ...rest,
  };
}
