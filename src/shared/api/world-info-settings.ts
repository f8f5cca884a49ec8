import { z } from 'zod';

/** The user-settings key (GET/PATCH /api/settings) that holds world info's global settings and book choices. */
export const WORLD_INFO_SETTINGS_KEY = 'worldInfo';

export const CHARACTER_STRATEGIES = ['evenly', 'character_first', 'global_first'] as const;

const count = (max: number, fallback: number) => z.number().int().min(0).max(max).catch(fallback).default(fallback);
const flag = (fallback: boolean) => z.boolean().catch(fallback).default(fallback);

/**
 * World info's global settings, SillyTavern's `world_info_settings` by other names, with the defaults of a new
 * SillyTavern install. A value of the wrong type reads as its default, so a hand-edited setting cannot stop
 * generation. Book choices are by book name, as SillyTavern's are.
 */
export const WorldInfoSettings = z.object({
  /** Messages scanned back from the newest (world_info_depth). */
  scanDepth: count(1000, 2),
  /** Percent of the prompt budget (context minus response) that activated entries may use (world_info_budget). */
  budgetPercent: z.number().min(1).max(100).catch(25).default(25),
  /** Tokens; 0 is no cap (world_info_budget_cap). */
  budgetCap: count(1_000_000, 0),
  /** Scan "Name: message" rather than the message alone (world_info_include_names). */
  includeNames: flag(true),
  /** Activated entries' content is scanned for more keys (world_info_recursive). */
  recursive: flag(true),
  caseSensitive: flag(false),
  matchWholeWords: flag(true),
  useGroupScoring: flag(false),
  /** How global books and the character's books are ordered against each other (world_info_character_strategy). */
  characterStrategy: z.enum(CHARACTER_STRATEGIES).catch('character_first').default('character_first'),
  /** Scan further back until this many entries activate; 0 is off (world_info_min_activations). */
  minActivations: count(1000, 0),
  /** How far back min activations may go; 0 is the whole chat (world_info_min_activations_depth_max). */
  minActivationsDepthMax: count(1000, 0),
  /** Recursion steps at most; 0 is no limit (world_info_max_recursion_steps). */
  maxRecursionSteps: count(100, 0),
  /** Books active in every chat (SillyTavern's globalSelect). */
  globalBooks: z.array(z.string()).catch([]).default([]),
  /** Additional books per character id (SillyTavern's charLore extraBooks); the primary one is in the card. */
  characterBooks: z.record(z.string(), z.array(z.string())).catch({}).default({}),
  /** A book per persona id. */
  personaBooks: z.record(z.string(), z.string()).catch({}).default({}),
});
export type WorldInfoSettings = z.infer<typeof WorldInfoSettings>;

/** The settings a user has, defaults filled in, from their stored settings values. */
export function worldInfoSettingsOf(values: Record<string, unknown>): WorldInfoSettings {
  const stored = values[WORLD_INFO_SETTINGS_KEY];
  return WorldInfoSettings.parse(typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : {});
}
