import { CHARACTER_STRATEGIES, type WorldInfoSettings } from '../../shared/api/world-info-settings.js';

/**
 * settings.json's `world_info_settings` from Parley's world-info settings (the inverse of what an import reads):
 * SillyTavern's names, the global books as `globalSelect`, each character's additional books as `charLore` by
 * the character's file name in the export (characters not in it are left out).
 */
export function sillyTavernWorldInfoSettings(settings: WorldInfoSettings, characterFiles: ReadonlyMap<string, string>): Record<string, unknown> {
  const charLore = Object.entries(settings.characterBooks)
    .filter(([id, books]) => characterFiles.has(id) && books.length > 0)
    .map(([id, books]) => ({ name: characterFiles.get(id), extraBooks: books }));
  return {
    world_info: { globalSelect: settings.globalBooks, ...(charLore.length > 0 ? { charLore } : {}) },
    world_info_depth: settings.scanDepth,
    world_info_min_activations: settings.minActivations,
    world_info_min_activations_depth_max: settings.minActivationsDepthMax,
    world_info_budget: settings.budgetPercent,
    world_info_include_names: settings.includeNames,
    world_info_recursive: settings.recursive,
    world_info_case_sensitive: settings.caseSensitive,
    world_info_match_whole_words: settings.matchWholeWords,
    world_info_character_strategy: CHARACTER_STRATEGIES.indexOf(settings.characterStrategy),
    world_info_budget_cap: settings.budgetCap,
    world_info_use_group_scoring: settings.useGroupScoring,
    world_info_max_recursion_steps: settings.maxRecursionSteps,
  };
}
