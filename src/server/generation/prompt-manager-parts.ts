import {
  INJECTION_IN_CHAT,
  orderedPrompts,
  presetFlag,
  presetFormat,
  type ManagedPrompt,
  type PromptManagerPreset,
} from '../../shared/api/prompt-manager.js';
import type { CharacterParts } from './character-parts.js';
import type { PlacedNote } from './authors-note-part.js';
import type { DepthPart, ManagedLayout, PartRole, PromptPart } from './prompt-pipeline/prompt-parts.js';

/** SillyTavern's depth and order for an in-chat prompt that names none. */
const DEFAULT_DEPTH = 4;
const DEFAULT_ORDER = 100;

export interface ManagedSources {
  card: CharacterParts;
  /** World info before and after the card (null when no book was active). */
  wi: { before: PromptPart; after: PromptPart } | null;
  note: PlacedNote | null;
  names: { user: string; char: string };
}

export interface ManagedParts {
  /** The parts before the chat, in the preset's order. */
  before: PromptPart[];
  /** The parts the order puts after the chat (post-history instructions, custom prompts). */
  after: PromptPart[];
  /** The prompts placed in the chat at a depth. */
  injections: DepthPart[];
  layout: ManagedLayout;
}

/**
 * The prompt manager as a gather-stage source: the preset's enabled prompts in its order, each marker standing for
 * its text (the card's fields through the preset's formats, world info through wi_format, the persona), `main`
 * for the system prompt in force and `jailbreak` for the post-history instructions (a card's own replaces them
 * unless the prompt forbids overrides), every other prompt as written with its role. A prompt "in chat" goes at
 * its depth; at one depth and role SillyTavern sends one message, the higher injection_order nearer the end. The
 * Author's Note placed before / after the prompt goes just before / after `main`, as in SillyTavern.
 */
export function managedParts(preset: PromptManagerPreset, sources: ManagedSources): ManagedParts {
  const { card, wi, note, names } = sources;
  const before: PromptPart[] = [];
  const after: PromptPart[] = [];
  const inChat: Array<{ part: PromptPart; depth: number; order: number }> = [];
  let examplesAt: number | null = null;
  let pastHistory = false;

  const custom = (prompt: ManagedPrompt): PromptPart => ({
    part: 'custom_prompt',
    source: { kind: 'settings', detail: `prompt manager: ${prompt.name || prompt.identifier}` },
    role: 'system',
    name: 'system',
    text: prompt.content ?? '',
    macros: { kind: 'text' },
  });
  const formatted = (part: PromptPart, format: string, raw: string): PromptPart =>
    raw.trim() ? { ...part, text: format, macros: { kind: 'text' } } : { ...part, text: '' };
  const partOf = (prompt: ManagedPrompt): PromptPart | null => {
    switch (prompt.identifier) {
      case 'main':
        return prompt.forbid_overrides ? presetText(card.system_prompt) : card.system_prompt;
      case 'jailbreak':
        return prompt.forbid_overrides ? presetText(card.post_history_instructions) : card.post_history_instructions;
      case 'charDescription':
        return card.description;
      case 'charPersonality':
        return formatted(card.personality, presetFormat(preset, 'personality_format'), card.personality.text);
      case 'scenario':
        return formatted(card.scenario, presetFormat(preset, 'scenario_format'), card.scenario.text);
      case 'personaDescription':
        return card.persona;
      case 'worldInfoBefore':
      case 'worldInfoAfter': {
        const part = wi?.[prompt.identifier === 'worldInfoBefore' ? 'before' : 'after'];
        if (!part?.text) return null;
        const format = presetFormat(preset, 'wi_format');
        // wi_format is applied after world info's own expansion, as SillyTavern's stringFormat does.
        return { ...part, text: format.trim() ? format.replace(/\{0\}/g, () => part.text) : part.text };
      }
      default:
        return prompt.marker ? null : custom(prompt);
    }
  };

  for (const prompt of orderedPrompts(preset)) {
    if (prompt.identifier === 'chatHistory') {
      if (prompt.enabled) pastHistory = true;
      continue;
    }
    if (prompt.identifier === 'dialogueExamples') {
      if (prompt.enabled && examplesAt === null) examplesAt = before.length;
      continue;
    }
    if (!prompt.enabled) continue;
    const found = partOf(prompt);
    if (!found) continue;
    const part = prompt.role ? { ...found, role: prompt.role as PartRole, name: speaker(prompt.role, names) } : found;
    if (prompt.injection_position === INJECTION_IN_CHAT) {
      inChat.push({ part, depth: prompt.injection_depth ?? DEFAULT_DEPTH, order: prompt.injection_order ?? DEFAULT_ORDER });
      continue;
    }
    const section = pastHistory ? after : before;
    if (prompt.identifier === 'main' && note?.position === 'before_prompt') section.push(note.part);
    section.push(part);
    if (prompt.identifier === 'main' && note?.position === 'after_scenario') section.push(note.part);
  }
  if (!preset.order.some((e) => e.identifier === 'main' && e.enabled) && note && note.position !== 'in_chat') before.unshift(note.part);
  return {
    before,
    after,
    injections: joinInChat(inChat),
    layout: { examplesAt: examplesAt ?? before.length, squash: presetFlag(preset, 'squash_system_messages'), names },
  };
}

const speaker = (role: PartRole, names: { user: string; char: string }) => (role === 'system' ? 'system' : role === 'user' ? names.user : names.char);

/** The text the preset has, where a card's own would otherwise replace it (forbid_overrides). */
function presetText(part: PromptPart): PromptPart {
  if (part.macros.kind !== 'override') return part;
  return { ...part, source: { kind: 'settings', detail: part.part }, text: part.macros.original };
}

/** In-chat prompts at one depth, order and role go as one message, joined by newlines (placeInjections orders them). */
function joinInChat(items: Array<{ part: PromptPart; depth: number; order: number }>): DepthPart[] {
  const groups = new Map<string, { part: PromptPart; depth: number; order: number; texts: PromptPart[] }>();
  for (const item of items) {
    const key = `${item.depth}|${item.order}|${item.part.role}`;
    const group = groups.get(key);
    if (group) group.texts.push(item.part);
    else groups.set(key, { ...item, texts: [item.part] });
  }
  return [...groups.values()].map((g) => ({ ...g.part, depth: g.depth, order: g.order, ...(g.texts.length > 1 ? joined(g.texts) : {}) }));
}

/** Several raw texts as one part: each expanded as its own rule would (they share the `text` rule here). */
function joined(parts: PromptPart[]): Pick<PromptPart, 'text' | 'macros' | 'source'> {
  return {
    text: parts.map((p) => p.text).join('\n'),
    macros: { kind: 'text' },
    source: { kind: 'settings', detail: `prompt manager: ${parts.map((p) => p.source.detail.replace(/^prompt manager: /, '')).join(', ')}` },
  };
}

/**
 * SillyTavern's example messages: after the example-chat marker, each block's lines split at "User:" / "Char:" into
 * messages (system role, named example_user / example_assistant), the speaker's name taken off the first line.
 */
export function exampleMessages(block: PromptPart, names: { user: string; char: string }, header: string): PromptPart[] {
  const lines = block.text.split('\n');
  const body = lines[0]?.trim() === '<START>' ? lines.slice(1) : lines;
  const messages: PromptPart[] = [];
  // Lines before the first speaker's go with the first message, as in SillyTavern.
  const turns: Array<{ who: 'user' | 'char'; lines: string[] }> = [];
  const pending: string[] = [];
  for (const line of body) {
    const who = line.startsWith(`${names.user}:`) ? 'user' : line.startsWith(`${names.char}:`) ? 'char' : null;
    const current = turns.at(-1);
    if (who && who !== current?.who) turns.push({ who, lines: current ? [line] : [...pending.splice(0), line] });
    else (current?.lines ?? pending).push(line);
  }
  for (const turn of turns) {
    const name = turn.who === 'user' ? names.user : names.char;
    const text = turn.lines.join('\n').replace(`${name}:`, '').trim();
    messages.push({ ...block, role: 'system', name: 'system', text, messageName: turn.who === 'user' ? 'example_user' : 'example_assistant', apart: true });
  }
  if (messages.length === 0) return [];
  return [{ ...block, role: 'system', name: 'system', text: header, apart: true, messageName: undefined }, ...messages];
}
