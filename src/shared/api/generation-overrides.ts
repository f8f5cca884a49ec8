import { z } from 'zod';

/**
 * What a character or a chat can choose for itself instead of the user's global choice (a model per character:
 * SillyTavern #3155). Each field is an id string; resolution is per field, chat > character > global, and an id
 * that names nothing (a deleted profile, a template not installed) falls to the next level, never failing a
 * generation.
 *
 * Stored in the chat's metadata under `parley_overrides` and in the card under `data.extensions.parley.overrides`
 * (so it travels with an exported card; SillyTavern keeps unknown extension keys).
 */
export const OVERRIDE_FIELDS = ['connectionId', 'systemPromptId', 'promptPresetId', 'instructTemplateId', 'contextTemplateId', 'samplerPresetId'] as const;
export type OverrideField = (typeof OVERRIDE_FIELDS)[number];

export const CHAT_OVERRIDES_KEY = 'parley_overrides';
export const CARD_EXTENSION_KEY = 'parley';

const Id = z.string().min(1).max(200);
export const GenerationOverrides = z.object(
  Object.fromEntries(OVERRIDE_FIELDS.map((field) => [field, Id.optional()])) as Record<OverrideField, z.ZodOptional<typeof Id>>,
);
export type GenerationOverrides = Partial<Record<OverrideField, string>>;

/** The overrides stored at one level; unreadable fields are ignored rather than failing. */
export function readOverrides(value: unknown): GenerationOverrides {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: GenerationOverrides = {};
  for (const field of OVERRIDE_FIELDS) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === 'string' && v.length > 0 && v.length <= 200) out[field] = v;
  }
  return out;
}

/** A chat's overrides, from its metadata. */
export const chatOverrides = (metadata: Record<string, unknown>): GenerationOverrides => readOverrides(metadata[CHAT_OVERRIDES_KEY]);

/** A character's overrides, from its card's `data.extensions`. */
export function characterOverrides(extensions: Record<string, unknown> | undefined): GenerationOverrides {
  const own = extensions?.[CARD_EXTENSION_KEY];
  return typeof own === 'object' && own !== null && !Array.isArray(own) ? readOverrides((own as Record<string, unknown>).overrides) : {};
}

export type OverrideLevel = 'chat' | 'character' | 'global';

export interface Resolved {
  id: string | null;
  from: OverrideLevel;
}

/**
 * One field resolved: the chat's id if it names something, else the character's, else the global one (which may be
 * null: the caller's own default then applies). `exists` says whether an id names something usable.
 */
export function resolveOverride(
  levels: { chat: GenerationOverrides; character: GenerationOverrides; global: string | null },
  field: OverrideField,
  exists: (id: string) => boolean,
): Resolved {
  const chat = levels.chat[field];
  if (chat && exists(chat)) return { id: chat, from: 'chat' };
  const character = levels.character[field];
  if (character && exists(character)) return { id: character, from: 'character' };
  return { id: levels.global, from: 'global' };
}

/** What is in force for a chat and where each came from (GET /api/chats/:id/overrides; the chat header). */
export const ResolvedOverridesView = z.object({
  connection: z.object({ id: z.string().nullable(), name: z.string().nullable(), model: z.string().nullable(), from: z.enum(['chat', 'character', 'global']) }),
  systemPrompt: z.object({ id: z.string().nullable(), name: z.string().nullable(), from: z.enum(['chat', 'character', 'global']) }),
  promptPreset: z.object({ id: z.string().nullable(), name: z.string().nullable(), from: z.enum(['chat', 'character', 'global']) }),
  /** Ids only: the templates lane resolves these (see services/generation-overrides.ts). */
  instructTemplate: z.object({ id: z.string().nullable(), from: z.enum(['chat', 'character', 'global']) }),
  contextTemplate: z.object({ id: z.string().nullable(), from: z.enum(['chat', 'character', 'global']) }),
  samplerPreset: z.object({ id: z.string().nullable(), from: z.enum(['chat', 'character', 'global']) }),
  /** The raw overrides at each level, for the editor. */
  chat: GenerationOverrides,
  character: GenerationOverrides,
});
export type ResolvedOverridesView = z.infer<typeof ResolvedOverridesView>;
