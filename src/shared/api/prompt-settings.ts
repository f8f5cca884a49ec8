import { z } from 'zod';

/** The user-settings key (GET/PATCH /api/settings) that holds the prompt's global settings. */
export const PROMPT_SETTINGS_KEY = 'prompt';

/** SillyTavern's default main prompt; a card's own system_prompt replaces it and can include it as {{original}}. */
export const DEFAULT_SYSTEM_PROMPT = "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}.";
/** SillyTavern's default continue nudge; {{lastChatMessage}} is the reply being continued. */
export const DEFAULT_CONTINUE_NUDGE =
  '[Continue the following message. Do not include ANY parts of the original message. Use capitalization and punctuation as if your reply is a part of the original message: {{lastChatMessage}}]';
export const DEFAULT_SYSTEM_PROMPT_ID = 'default';

const flag = (fallback: boolean) => z.boolean().catch(fallback).default(fallback);
const text = (max: number) => z.string().max(max).catch('').default('');

/** A saved system prompt (SillyTavern's `sysprompt/` files are `{name, content}`). */
export const SystemPromptPreset = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  content: z.string().max(100_000),
});
export type SystemPromptPreset = z.infer<typeof SystemPromptPreset>;

/** Where the Author's Note goes: SillyTavern's `note_position` 0 (after the scenario), 1 (in the chat), 2 (before the prompt). */
export const NOTE_POSITIONS = ['after_scenario', 'in_chat', 'before_prompt'] as const;
export type NotePosition = (typeof NOTE_POSITIONS)[number];
export const NOTE_ROLES = ['system', 'user', 'assistant'] as const;
export type NoteRole = (typeof NOTE_ROLES)[number];

/** The Author's Note a chat starts with (SillyTavern's `extension_settings.note` defaults). */
export const AuthorsNoteDefaults = z.object({
  prompt: text(100_000),
  /** Every N user messages; 0 is never; 1 every time. */
  interval: z.number().int().min(0).max(1000).catch(1).default(1),
  position: z.enum(NOTE_POSITIONS).catch('in_chat').default('in_chat'),
  depth: z.number().int().min(0).max(1000).catch(4).default(4),
  role: z.enum(NOTE_ROLES).catch('system').default('system'),
});
export type AuthorsNoteDefaults = z.infer<typeof AuthorsNoteDefaults>;

/** A character's own note (SillyTavern's `note.chara`): used when `enabled`, in place of the chat's, before or after it. */
export const CharacterNote = z.object({
  prompt: text(100_000),
  enabled: flag(false),
  placement: z.enum(['replace', 'before', 'after']).catch('replace').default('replace'),
});
export type CharacterNote = z.infer<typeof CharacterNote>;

/**
 * The prompt's global settings, with the defaults of a new SillyTavern install where it has one. A value of the
 * wrong type reads as its default, so a hand-edited setting cannot stop generation.
 */
export const PromptSettings = z.object({
  systemPrompts: z
    .array(SystemPromptPreset)
    .max(500)
    .catch([{ id: DEFAULT_SYSTEM_PROMPT_ID, name: 'Default', content: DEFAULT_SYSTEM_PROMPT }])
    .default([{ id: DEFAULT_SYSTEM_PROMPT_ID, name: 'Default', content: DEFAULT_SYSTEM_PROMPT }]),
  /** The preset in use; an id that names none uses the first. */
  activeSystemPrompt: z.string().catch(DEFAULT_SYSTEM_PROMPT_ID).default(DEFAULT_SYSTEM_PROMPT_ID),
  /** A card's system_prompt replaces the preset (SillyTavern's "Prefer Char. Prompt"). */
  preferCardSystemPrompt: flag(true),
  /** Sent after the chat history; a card's post_history_instructions replaces it (and names it as {{original}}). */
  postHistoryInstructions: text(100_000),
  /** SillyTavern's "Prefer Char. Instructions". */
  preferCardPostHistory: flag(true),
  /** What a new reply starts with (SillyTavern's "Start Reply With"). */
  startReplyWith: text(10_000),
  /** The reply shown and stored starts with it too (SillyTavern's "Show reply prefix in chat"). */
  showStartReplyWith: flag(true),
  /**
   * The chat-completion backend extends a trailing assistant message (llama.cpp, vLLM, OpenRouter...): Continue
   * sends the reply as one and "Start reply with" goes as one. Off: Continue sends the continue nudge and the reply
   * is left out of the chat, and "Start reply with" is a system message (SillyTavern's continue prefill, off there
   * by default).
   */
  continuePrefill: flag(true),
  continueNudge: z.string().max(10_000).catch(DEFAULT_CONTINUE_NUDGE).default(DEFAULT_CONTINUE_NUDGE),
  authorsNote: AuthorsNoteDefaults.catch(() => AuthorsNoteDefaults.parse({})).default(() => AuthorsNoteDefaults.parse({})),
  /** A note per character id. */
  characterNotes: z.record(z.string(), CharacterNote).catch({}).default({}),
});
export type PromptSettings = z.infer<typeof PromptSettings>;

/** The settings a user has, defaults filled in, from their stored settings values. */
export function promptSettingsOf(values: Record<string, unknown>): PromptSettings {
  const stored = values[PROMPT_SETTINGS_KEY];
  return PromptSettings.parse(typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : {});
}

/** The system prompt in use. */
export function activeSystemPrompt(settings: PromptSettings): SystemPromptPreset | undefined {
  return settings.systemPrompts.find((p) => p.id === settings.activeSystemPrompt) ?? settings.systemPrompts[0];
}

/** SillyTavern's chat metadata keys for the chat's Author's Note. */
export const NOTE_KEYS = {
  prompt: 'note_prompt',
  interval: 'note_interval',
  depth: 'note_depth',
  position: 'note_position',
  role: 'note_role',
} as const;

export interface AuthorsNote {
  prompt: string;
  interval: number;
  position: NotePosition;
  depth: number;
  role: NoteRole;
}

/**
 * A chat's Author's Note: its metadata keys as SillyTavern writes them (positions and roles are numbers there),
 * each missing or unreadable one taken from the user's defaults.
 */
export function chatAuthorsNote(metadata: Record<string, unknown>, defaults: AuthorsNoteDefaults): AuthorsNote {
  const number = (key: string, min: number, max: number) => {
    const value = Number(metadata[key]);
    return metadata[key] !== undefined && metadata[key] !== null && metadata[key] !== '' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
  };
  const position = number(NOTE_KEYS.position, 0, 2);
  const role = number(NOTE_KEYS.role, 0, 2);
  const prompt = metadata[NOTE_KEYS.prompt];
  return {
    prompt: typeof prompt === 'string' ? prompt : defaults.prompt,
    interval: number(NOTE_KEYS.interval, 0, 100_000) ?? defaults.interval,
    position: position === undefined ? defaults.position : (NOTE_POSITIONS[position] as NotePosition),
    depth: number(NOTE_KEYS.depth, 0, 10_000) ?? defaults.depth,
    role: role === undefined ? defaults.role : (NOTE_ROLES[role] as NoteRole),
  };
}

/** The metadata patch that stores a change to a note as SillyTavern does; only the changed keys, so two quick
 *  edits of different fields cannot undo each other. */
export function authorsNoteMetadata(change: Partial<AuthorsNote>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (change.prompt !== undefined) patch[NOTE_KEYS.prompt] = change.prompt;
  if (change.interval !== undefined) patch[NOTE_KEYS.interval] = change.interval;
  if (change.depth !== undefined) patch[NOTE_KEYS.depth] = change.depth;
  if (change.position !== undefined) patch[NOTE_KEYS.position] = NOTE_POSITIONS.indexOf(change.position);
  if (change.role !== undefined) patch[NOTE_KEYS.role] = NOTE_ROLES.indexOf(change.role);
  return patch;
}

/** SillyTavern's frequency rule: with N user messages, the note goes when N is a multiple of the interval. */
export function noteIsDue(interval: number, userMessages: number): boolean {
  if (interval === 1) return true;
  if (interval <= 0 || userMessages <= 0) return false;
  const till = userMessages >= interval ? userMessages % interval : interval - userMessages;
  return till === 0;
}
