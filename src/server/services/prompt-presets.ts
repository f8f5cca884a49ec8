import {
  PROMPT_MANAGER_KEY,
  PresetFormatError,
  presetById,
  presetFromSillyTavern,
  presetToSillyTavern,
  promptManagerOf,
  type PromptManagerPreset,
} from '../../shared/api/prompt-manager.js';
import { activeSystemPrompt, PROMPT_SETTINGS_KEY, promptSettingsOf } from '../../shared/api/prompt-settings.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { Store } from '../store/store.js';
import { applyMergePatch } from '../../shared/json-merge-patch.js';

/** The system prompt preset an imported chat-completion preset's `main` becomes. */
export const systemPromptIdOf = (presetId: string) => `pm-${presetId}`;

/** A SillyTavern preset file read into a preset, or a 400 saying what is wrong with it. */
export function readPresetFile(json: unknown, meta: { id: string; name: string }): PromptManagerPreset {
  try {
    return presetFromSillyTavern(json, meta);
  } catch (error) {
    if (error instanceof PresetFormatError) throw new ApiError('invalid_request', `Not a SillyTavern chat-completion preset: ${error.message}`);
    throw error;
  }
}

/**
 * The settings patch that stores a preset: the preset (its `main` and `jailbreak` without their texts, which Parley
 * keeps once, as a system prompt preset and the post-history instructions), and when `activate`, the preset in use,
 * its `main` as the active system prompt and its `jailbreak` as the post-history instructions.
 */
export function presetPatch(values: Record<string, unknown>, preset: PromptManagerPreset, activate: boolean): Record<string, unknown> {
  const text = (id: string) => preset.prompts.find((p) => p.identifier === id)?.content;
  const main = text('main');
  const jailbreak = text('jailbreak');
  const stored: PromptManagerPreset = {
    ...preset,
    prompts: preset.prompts.map((p) => {
      if (p.identifier !== 'main' && p.identifier !== 'jailbreak') return p;
      const { content: _moved, ...rest } = p;
      return rest;
    }),
  };
  const patch: Record<string, unknown> = { [PROMPT_MANAGER_KEY]: { presets: { [preset.id]: stored }, ...(activate && { active: preset.id }) } };
  if (!activate) return patch;
  const prompt = promptSettingsOf(values);
  const systemPromptId = systemPromptIdOf(preset.id);
  patch[PROMPT_SETTINGS_KEY] = {
    ...(main !== undefined && {
      // Arrays are replaced whole by a merge patch: the list with this preset's entry added or replaced.
      systemPrompts: [...prompt.systemPrompts.filter((p) => p.id !== systemPromptId), { id: systemPromptId, name: preset.name, content: main }],
      activeSystemPrompt: systemPromptId,
    }),
    ...(jailbreak !== undefined && { postHistoryInstructions: jailbreak }),
  };
  return patch;
}

/** A preset as SillyTavern's file, `main` and `jailbreak` carrying the system prompt and instructions in force. */
export async function exportPreset(store: Store, userId: string, id: string): Promise<{ name: string; file: Record<string, unknown> }> {
  const values = (await store.settings.get(userId)).values;
  const preset = presetById(promptManagerOf(values), id);
  if (!preset) throw notFound('Prompt preset');
  const prompt = promptSettingsOf(values);
  return { name: preset.name, file: presetToSillyTavern(preset, { main: activeSystemPrompt(prompt)?.content ?? '', jailbreak: prompt.postHistoryInstructions }) };
}

/**
 * Imports a SillyTavern preset file under the client's id (again: replaced, so a retry changes nothing more), in one
 * transaction under the settings' row lock. A file that is not a preset is refused before anything is stored.
 */
export async function importPreset(
  store: Store,
  userId: string,
  request: { id: string; name: string; preset: unknown; activate: boolean },
  now: number,
): Promise<{ preset: PromptManagerPreset; revision: number }> {
  const preset = readPresetFile(request.preset, { id: request.id, name: request.name });
  return store.transaction(async (repos) => {
    const current = await repos.settings.lockForWrite(userId);
    const values = applyMergePatch(current.values, presetPatch(current.values, preset, request.activate));
    const revision = current.revision + 1;
    await repos.settings.save(userId, { values, revision, updatedAt: now });
    return { preset, revision };
  });
}
