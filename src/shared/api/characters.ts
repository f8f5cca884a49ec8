import { z } from 'zod';

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
});
export type CharacterSummary = z.infer<typeof CharacterSummary>;

export const Character = z.object({
  id: z.string(),
  card: Card,
  avatarUrl: z.string().nullable(),
  updatedAt: z.string(),
});
export type Character = z.infer<typeof Character>;

export const UpdateCharacterRequest = z.object({ card: Card });
export type UpdateCharacterRequest = z.infer<typeof UpdateCharacterRequest>;

export const ExportQuery = z.object({ format: z.enum(['png', 'json']).default('png') });
