import {
  activationPatch,
  PROMPT_MANAGER_KEY,
  PresetFormatError,
  presetById,
  presetFromSillyTavern,
  presetToSillyTavern,
  promptManagerOf,
  type PromptManagerPreset,
} from '../../shared/api/prompt-manager.js';
import { activeSystemPrompt, promptSettingsOf } from '../../shared/api/prompt-settings.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { Store } from '../store/store.js';
import { applyMergePatch } from '../../shared/json-merge-patch.js';

/** A SillyTavern preset file read into a preset, or a 400 saying what is wrong with it. */
export function readPresetFile(json: unknown, meta: { id: string; name: string }): PromptManagerPreset {
  try {
    return presetFromSillyTavern(json, meta);
  } catch (error) {
    if (error instanceof PresetFormatError) throw new ApiError('invalid_request', `Not a SillyTavern chat-completion preset: ${error.message}`);
    throw error;
  }
}

/** The settings patch that stores a preset as its file has it, and when `activate`, puts it in use. */
export function presetPatch(values: Record<string, unknown>, preset: PromptManagerPreset, activate: boolean): Record<string, unknown> {
  const stored = { [PROMPT_MANAGER_KEY]: { presets: { [preset.id]: preset } } };
  if (!activate) return stored;
  const activation = activationPatch(promptSettingsOf(values), preset);
  return { ...activation, [PROMPT_MANAGER_KEY]: { ...stored[PROMPT_MANAGER_KEY], ...(activation[PROMPT_MANAGER_KEY] as object) } };
}

/** A preset as SillyTavern's file, `main` and `jailbreak` carrying the system prompt and instructions in force. */
export async function exportPreset(store: Store, userId: string, id: string): Promise<{ name: string; file: Record<string, unknown> }> {
  const values = (await store.settings.get(userId)).values;
  const manager = promptManagerOf(values);
  const preset = presetById(manager, id);
  if (!preset) throw notFound('Prompt preset');
  const prompt = promptSettingsOf(values);
  const inForce = manager.active === id ? { main: activeSystemPrompt(prompt)?.content ?? '', jailbreak: prompt.postHistoryInstructions } : undefined;
  return { name: preset.name, file: presetToSillyTavern(preset, inForce) };
}

/**
 * Stores a preset in one transaction under the settings' row lock, and puts it in use when `activate`. With
 * `keepExisting`, a preset already stored under its id is left as it is (null is returned).
 */
export async function savePreset(
  store: Store,
  userId: string,
  preset: PromptManagerPreset,
  options: { activate: boolean; keepExisting: boolean },
  now: number,
): Promise<{ revision: number } | null> {
  return store.transaction(async (repos) => {
    const current = await repos.settings.lockForWrite(userId);
    if (options.keepExisting && presetById(promptManagerOf(current.values), preset.id)) return null;
    const values = applyMergePatch(current.values, presetPatch(current.values, preset, options.activate));
    const revision = current.revision + 1;
    await repos.settings.save(userId, { values, revision, updatedAt: now });
    return { revision };
  });
}

/**
 * Imports a SillyTavern preset file under the client's id (again: replaced, so a retry changes nothing more). A file
 * that is not a preset is refused before anything is stored.
 */
export async function importPreset(
  store: Store,
  userId: string,
  request: { id: string; name: string; preset: unknown; activate: boolean },
  now: number,
): Promise<{ preset: PromptManagerPreset; revision: number }> {
  const preset = readPresetFile(request.preset, { id: request.id, name: request.name });
  const saved = await savePreset(store, userId, preset, { activate: request.activate, keepExisting: false }, now);
  return { preset, revision: saved!.revision };
}
