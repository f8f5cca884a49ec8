import { z } from 'zod';
import { ClientId, EntityId } from './ids.js';

/**
 * A character card as SillyTavern writes it (V2 or V3). Only what Parley relies on is checked;
 * every other key, known or not, passes through untouched so round trips are lossless.
 */
export const CardData = z.looseObject({
  name: z.string().min(1).max(500),
  description: z.string().default(''),
  personality: z.string().default(''),
  scenario: z.string().default(''),
  first_mes: z.string().default(''),
  mes_example: z.string().default(''),
  creator_notes: z.string().optional(),
  system_prompt: z.string().optional(),
  post_history_instructions: z.string().optional(),
  alternate_greetings: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  creator: z.string().optional(),
  character_version: z.string().optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
  character_book: z.unknown().optional(),
});
export type CardData = z.infer<typeof CardData>;

export const Card = z.looseObject({
  spec: z.enum(['chara_card_v2', 'chara_card_v3']),
  spec_version: z.string(),
  data: CardData,
});
export type Card = z.infer<typeof Card>;

export const CharacterSummary = z.object({
  id: z.string(),
  name: z.string(),
  avatarUrl: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  tags: z.array(z.string()),
  creator: z.string(),
  updatedAt: z.string(),
  chatCount: z.number().int(),
  /** SillyTavern's `data.extensions.fav`. */
  favourite: z.boolean().default(false),
  /** When it came into the library ("date added"). */
  createdAt: z.string().default(''),
  /** The newest chat with it (the one a click opens) and when that chat last changed; null without chats. */
  latestChatId: z.string().nullable().default(null),
  lastChatAt: z.string().nullable().default(null),
});
export type CharacterSummary = z.infer<typeof CharacterSummary>;

export const Character = z.object({
  id: z.string(),
  card: Card,
  avatarUrl: z.string().nullable(),
  /** The persona locked to this character: who the user is in its chats unless a chat chose another. */
  personaId: z.string().nullable().default(null),
  updatedAt: z.string(),
});
export type Character = z.infer<typeof Character>;

export const UpdateCharacterRequest = z.object({ card: Card });
export type UpdateCharacterRequest = z.infer<typeof UpdateCharacterRequest>;

export const ExportQuery = z.object({ format: z.enum(['png', 'json']).default('png') });

/** `PUT /api/characters/:id/persona`: locks a persona to the character, or (null) unlocks it. */
export const CharacterPersonaRequest = z.object({ personaId: ClientId.nullable() });
export type CharacterPersonaRequest = z.infer<typeof CharacterPersonaRequest>;

/** `PUT /api/characters/:id/favourite`. */
export const CharacterFavouriteRequest = z.object({ favourite: z.boolean() });
export type CharacterFavouriteRequest = z.infer<typeof CharacterFavouriteRequest>;

/**
 * `POST /api/characters/import` query. `ifExists=ask` refuses (409, details `DuplicateCardDetails`) a card whose
 * name a character of the library already has; `keep` (the default) adds it anyway; `replace=ID` puts the card
 * and its image into that character instead, keeping its chats.
 */
export const CardImportQuery = z.object({
  ifExists: z.enum(['ask', 'keep']).default('keep'),
  replace: EntityId.optional(),
});
export type CardImportQuery = z.infer<typeof CardImportQuery>;

export const DuplicateCardDetails = z.object({
  reason: z.literal('already_in_library'),
  name: z.string(),
  existing: z.array(z.object({ id: z.string(), name: z.string(), avatarUrl: z.string().nullable() })),
});
export type DuplicateCardDetails = z.infer<typeof DuplicateCardDetails>;

/** SillyTavern marks a favourite with `data.extensions.fav`, true or (older files) the string "true". */
export function isFavourite(card: Pick<Card, 'data'>): boolean {
  const fav = card.data.extensions?.fav;
  return fav === true || fav === 'true';
}
