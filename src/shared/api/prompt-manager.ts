import { z } from 'zod';
import { PROMPT_SETTINGS_KEY, type PromptSettings } from './prompt-settings.js';

/**
 * The prompt manager: SillyTavern's chat-completion presets (`OpenAI Settings/*.json`), the ordered list of prompts
 * that makes a chat-completion prompt. Presets live in the user's settings under `promptManager` (a record by id, so
 * a JSON merge patch changes one preset); `active` names the one in use, none is Parley's default order.
 */
export const PROMPT_MANAGER_KEY = 'promptManager';

/** SillyTavern's identifiers of the built-in prompts and markers. */
export const BUILT_IN_PROMPTS = [
  'main',
  'worldInfoBefore',
  'personaDescription',
  'charDescription',
  'charPersonality',
  'scenario',
  'enhanceDefinitions',
  'nsfw',
  'worldInfoAfter',
  'dialogueExamples',
  'chatHistory',
  'jailbreak',
] as const;
export type BuiltInPrompt = (typeof BUILT_IN_PROMPTS)[number];

/** Markers stand for text from elsewhere (the card, the persona, world info, the chat): their content is not theirs. */
export const MARKERS: readonly string[] = [
  'worldInfoBefore',
  'personaDescription',
  'charDescription',
  'charPersonality',
  'scenario',
  'worldInfoAfter',
  'dialogueExamples',
  'chatHistory',
];

/** SillyTavern's `injection_position`: 0 in the list (relative), 1 in the chat at `injection_depth`. */
export const INJECTION_RELATIVE = 0;
export const INJECTION_IN_CHAT = 1;

/** ST's global prompt order lives under this character id (100000 in older versions). */
export const GLOBAL_ORDER_IDS = [100001, 100000] as const;

const Role = z.enum(['system', 'user', 'assistant']);

/** One prompt as SillyTavern writes it; keys Parley does not know are kept (passthrough). */
export const ManagedPrompt = z
  .object({
    identifier: z.string().min(1).max(200),
    name: z.string().max(500).default(''),
    system_prompt: z.boolean().optional(),
    role: Role.optional(),
    content: z.string().max(200_000).optional(),
    marker: z.boolean().optional(),
    injection_position: z.union([z.literal(0), z.literal(1)]).optional(),
    injection_depth: z.number().int().min(0).max(10_000).optional(),
    injection_order: z.number().int().min(-100_000).max(100_000).optional(),
    forbid_overrides: z.boolean().optional(),
  })
  .passthrough();
export type ManagedPrompt = z.infer<typeof ManagedPrompt>;

export const PromptOrderEntry = z.object({ identifier: z.string().min(1).max(200), enabled: z.boolean() });
export type PromptOrderEntry = z.infer<typeof PromptOrderEntry>;

/**
 * A preset as Parley keeps it: its prompts, the order in use, and every other key of SillyTavern's file as it came
 * (samplers, formats, other characters' orders), so an export gives back what was imported.
 */
export const PromptManagerPreset = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  prompts: z.array(ManagedPrompt).max(1000),
  order: z.array(PromptOrderEntry).max(1000),
  /** The `character_id` of the `prompt_order` entry `order` came from. */
  orderCharacterId: z.number().int().default(100001),
  /** Every other key of the file: samplers, formats (wi_format, new_chat_prompt, ...), other orders. */
  settings: z.record(z.string(), z.unknown()).default({}),
});
export type PromptManagerPreset = z.infer<typeof PromptManagerPreset>;

export const PromptManagerSettings = z.object({
  presets: z.record(z.string(), PromptManagerPreset),
  /** The preset in use; null (or an id that names none) is Parley's default order. */
  active: z.string().nullable(),
});
export type PromptManagerSettings = z.infer<typeof PromptManagerSettings>;

/** The user's presets from their stored settings values; a damaged preset (a hand-edited setting) is left out alone. */
export function promptManagerOf(values: Record<string, unknown>): PromptManagerSettings {
  const stored = values[PROMPT_MANAGER_KEY];
  const record = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  const presets: Record<string, PromptManagerPreset> = {};
  if (typeof record.presets === 'object' && record.presets !== null && !Array.isArray(record.presets)) {
    for (const [id, value] of Object.entries(record.presets)) {
      const parsed = PromptManagerPreset.safeParse(value);
      if (parsed.success && parsed.data.id === id) presets[id] = parsed.data;
    }
  }
  return { presets, active: typeof record.active === 'string' ? record.active : null };
}

/** The preset named by `id`, or none. */
export const presetById = (settings: PromptManagerSettings, id: string | null | undefined): PromptManagerPreset | null =>
  (id && settings.presets[id]) || null;

/** SillyTavern's defaults for the format fields a preset may lack. */
export const FORMAT_DEFAULTS = {
  wi_format: '{0}',
  scenario_format: '[Circumstances and context of the dialogue: {{scenario}}]',
  personality_format: "[{{char}}'s personality: {{personality}}]",
  new_chat_prompt: '[Start a new Chat]',
  new_example_chat_prompt: '[Example Chat]',
  continue_nudge_prompt:
    '[Continue the following message. Do not include ANY parts of the original message. Use capitalization and punctuation as if your reply is a part of the original message: {{lastChatMessage}}]',
  impersonation_prompt:
    "[Write your next reply from the point of view of {{user}}, using the chat history so far as a guideline for the writing style of {{user}}. Don't write as {{char}} or system. Don't describe actions of {{char}}.]",
  send_if_empty: '',
} as const;
export type FormatField = keyof typeof FORMAT_DEFAULTS;

/** A format field of a preset: its own string, else SillyTavern's default. */
export function presetFormat(preset: PromptManagerPreset, field: FormatField): string {
  const value = preset.settings[field];
  return typeof value === 'string' ? value : FORMAT_DEFAULTS[field];
}

/** A boolean field of a preset (squash_system_messages, ...), false when absent. */
export const presetFlag = (preset: PromptManagerPreset, field: string): boolean => preset.settings[field] === true;

/** ST's built-in prompt names, for prompts a file names without one. */
const BUILT_IN_NAMES: Record<BuiltInPrompt, string> = {
  main: 'Main Prompt',
  worldInfoBefore: 'World Info (before)',
  personaDescription: 'Persona Description',
  charDescription: 'Char Description',
  charPersonality: 'Char Personality',
  scenario: 'Scenario',
  enhanceDefinitions: 'Enhance Definitions',
  nsfw: 'Auxiliary Prompt',
  worldInfoAfter: 'World Info (after)',
  dialogueExamples: 'Chat Examples',
  chatHistory: 'Chat History',
  jailbreak: 'Post-History Instructions',
};

/** SillyTavern's default text of Enhance Definitions. */
export const ENHANCE_DEFINITIONS =
  "If you have more knowledge of {{char}}, add to the character's lore and personality to enhance them but keep the Character Sheet's definitions absolute.";

/**
 * Parley's default order: what the prompt held before the prompt manager (the system prompt, world info before,
 * the card, world info after, the persona, examples, history, post-history instructions), with SillyTavern's
 * Auxiliary Prompt and Enhance Definitions off.
 */
export const DEFAULT_ORDER: readonly PromptOrderEntry[] = [
  { identifier: 'main', enabled: true },
  { identifier: 'worldInfoBefore', enabled: true },
  { identifier: 'charDescription', enabled: true },
  { identifier: 'charPersonality', enabled: true },
  { identifier: 'scenario', enabled: true },
  { identifier: 'enhanceDefinitions', enabled: false },
  { identifier: 'nsfw', enabled: false },
  { identifier: 'worldInfoAfter', enabled: true },
  { identifier: 'personaDescription', enabled: true },
  { identifier: 'dialogueExamples', enabled: true },
  { identifier: 'chatHistory', enabled: true },
  { identifier: 'jailbreak', enabled: true },
];

/** The built-in prompts of a new preset (ST's `chatCompletionDefaultPrompts`, in words of our own). */
export function defaultPrompts(): ManagedPrompt[] {
  return BUILT_IN_PROMPTS.map((identifier) => ({
    identifier,
    name: BUILT_IN_NAMES[identifier],
    system_prompt: true,
    marker: MARKERS.includes(identifier),
    ...(MARKERS.includes(identifier) ? {} : { role: 'system' as const, content: identifier === 'enhanceDefinitions' ? ENHANCE_DEFINITIONS : '' }),
  }));
}

export class PresetFormatError extends Error {}

/**
 * Reads a SillyTavern chat-completion preset file: its prompts, the global `prompt_order` entry (100001, else
 * 100000, else the first), and every other key kept as it came. Throws PresetFormatError naming what is wrong.
 */
export function presetFromSillyTavern(json: unknown, meta: { id: string; name: string }): PromptManagerPreset {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PresetFormatError('A preset is a JSON object.');
  const { prompts, prompt_order: orders, ...rest } = json as Record<string, unknown>;
  const parsedPrompts = z.array(ManagedPrompt).max(1000).safeParse(prompts ?? defaultPrompts());
  if (!parsedPrompts.success) {
    const issue = parsedPrompts.error.issues[0];
    throw new PresetFormatError(`prompts${issue ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'not a list of prompts'}`);
  }
  const OrderList = z.array(z.object({ character_id: z.number().int(), order: z.array(PromptOrderEntry).max(1000) }).passthrough()).max(10_000);
  const parsedOrders = OrderList.safeParse(orders ?? []);
  if (!parsedOrders.success) throw new PresetFormatError('prompt_order: a list of {character_id, order: [{identifier, enabled}]}.');
  const chosen =
    GLOBAL_ORDER_IDS.map((id) => parsedOrders.data.find((o) => o.character_id === id)).find(Boolean) ?? parsedOrders.data[0];
  const others = parsedOrders.data.filter((o) => o !== chosen);
  return PromptManagerPreset.parse({
    id: meta.id,
    name: meta.name,
    prompts: parsedPrompts.data,
    order: chosen ? chosen.order : [...DEFAULT_ORDER],
    orderCharacterId: chosen?.character_id ?? GLOBAL_ORDER_IDS[0],
    settings: { ...rest, ...(others.length > 0 ? { prompt_order: others } : {}) },
  });
}

/**
 * A preset as SillyTavern's file: every key kept, the prompts, and `prompt_order` with the edited order back under
 * its character id among the others. For the preset in use, `main` and `jailbreak` carry the texts in force (the
 * system prompt preset and the post-history instructions, where Parley keeps what is sent).
 */
export function presetToSillyTavern(preset: PromptManagerPreset, inForce?: { main: string; jailbreak: string }): Record<string, unknown> {
  const { prompt_order: others, ...rest } = preset.settings;
  const otherOrders = Array.isArray(others) ? others : [];
  const prompts = inForce
    ? preset.prompts.map((p) =>
        p.identifier === 'main' ? { ...p, content: inForce.main } : p.identifier === 'jailbreak' ? { ...p, content: inForce.jailbreak } : p,
      )
    : preset.prompts;
  return { ...rest, prompts, prompt_order: [...otherOrders, { character_id: preset.orderCharacterId, order: preset.order }] };
}

/** The prompts in order with their enabled flag; a prompt the order names but the preset lacks is left out. */
export function orderedPrompts(preset: PromptManagerPreset): Array<ManagedPrompt & { enabled: boolean }> {
  const byId = new Map(preset.prompts.map((p) => [p.identifier, p]));
  return preset.order.flatMap((entry) => {
    const prompt = byId.get(entry.identifier);
    return prompt ? [{ ...prompt, enabled: entry.enabled }] : [];
  });
}

/** The system prompt preset a prompt manager preset's `main` becomes when it is put in use. */
export const systemPromptIdOf = (presetId: string) => `pm-${presetId}`;

/**
 * The settings patch that puts a preset in use: its `main` becomes the active system prompt (a system prompt preset
 * of its own) and its `jailbreak` the post-history instructions, as loading a preset does in SillyTavern. What is
 * sent is then edited in one place, the prompt settings.
 */
export function activationPatch(prompt: PromptSettings, preset: PromptManagerPreset): Record<string, unknown> {
  const text = (id: string) => preset.prompts.find((p) => p.identifier === id)?.content;
  const main = text('main');
  const jailbreak = text('jailbreak');
  const systemPromptId = systemPromptIdOf(preset.id);
  return {
    [PROMPT_MANAGER_KEY]: { active: preset.id },
    [PROMPT_SETTINGS_KEY]: {
      ...(main !== undefined && {
        // A merge patch replaces an array whole: the list with this preset's entry added or replaced.
        systemPrompts: [...prompt.systemPrompts.filter((p) => p.id !== systemPromptId), { id: systemPromptId, name: preset.name, content: main }],
        activeSystemPrompt: systemPromptId,
      }),
      ...(jailbreak !== undefined && { postHistoryInstructions: jailbreak }),
    },
  };
}

/** The body of POST /api/prompt-presets/import: the file's JSON as it came, under a client-made id. */
export const ImportPromptPresetRequest = z.object({
  id: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/),
  name: z.string().trim().min(1).max(200),
  /** The file's JSON, checked by presetFromSillyTavern. */
  preset: z.unknown(),
  /** Make it the preset in use, and its main/jailbreak the system prompt and post-history instructions. */
  activate: z.boolean().default(true),
});
export type ImportPromptPresetRequest = z.infer<typeof ImportPromptPresetRequest>;
