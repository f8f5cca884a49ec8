import {
  characterOverrides,
  chatOverrides,
  resolveOverride,
  type GenerationOverrides,
  type Resolved,
  type ResolvedOverridesView,
} from '../../shared/api/generation-overrides.js';
import { presetById, promptManagerOf, type PromptManagerPreset, type PromptManagerSettings } from '../../shared/api/prompt-manager.js';
import { activeSystemPrompt, promptSettingsOf, type PromptSettings } from '../../shared/api/prompt-settings.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { ConnectionRecord } from '../store/connections-repository.js';
import type { Store } from '../store/store.js';
import { ApiError } from '../errors/api-error.js';
import { resolveConnection } from './connections.js';
import { optionOf } from '../../shared/api/generation.js';
import { formattingSettingsOf, type FormattingSettings } from '../../shared/api/text-formatting.js';
import { lookupContext, lookupInstruct, resolveContext, resolveInstruct, samplerPresetById } from '../generation/resolve-formatting.js';
import type { TextFormatting } from '../generation/prompt-pipeline/format-for-api.js';

/** The overrides a chat and its (speaking) character hold. */
export interface OverrideLevels {
  chat: GenerationOverrides;
  character: GenerationOverrides;
}

export const overrideLevels = (chat: ChatRecord, character: CharacterRecord | null): OverrideLevels => ({
  chat: chatOverrides(chat.metadata),
  character: characterOverrides(character?.card.data.extensions),
});

/**
 * The connection a generation uses: one the request names (refused if missing), else the chat's, else the
 * character's (each only if it still exists), else the global choice (services/connections.ts) in `settingsValues`.
 */
export async function resolveGenerationConnection(
  store: Store,
  userId: string,
  requested: string | undefined,
  levels: OverrideLevels,
  settingsValues: Record<string, unknown>,
): Promise<{ connection: ConnectionRecord; from: Resolved['from'] }> {
  if (requested) return { connection: await resolveConnection(store, userId, requested, settingsValues), from: 'global' };
  for (const level of ['chat', 'character'] as const) {
    const id = levels[level].connectionId;
    const found = id ? await store.connections.get(userId, id) : undefined;
    if (found) return { connection: found, from: level };
  }
  return { connection: await resolveConnection(store, userId, undefined, settingsValues), from: 'global' };
}

/** The prompt settings with the system prompt preset the chat or character chose, when it still exists. */
export function promptSettingsFor(settings: PromptSettings, levels: OverrideLevels): { settings: PromptSettings; from: Resolved['from'] } {
  const chosen = resolveOverride({ ...levels, global: settings.activeSystemPrompt }, 'systemPromptId', (id) =>
    settings.systemPrompts.some((p) => p.id === id),
  );
  return { settings: { ...settings, activeSystemPrompt: chosen.id ?? settings.activeSystemPrompt }, from: chosen.from };
}

/** The prompt manager preset in force: the chat's, the character's, else the user's active one (or none). */
export function promptPresetFor(manager: PromptManagerSettings, levels: OverrideLevels): { preset: PromptManagerPreset | null; from: Resolved['from'] } {
  const chosen = resolveOverride({ ...levels, global: manager.active }, 'promptPresetId', (id) => presetById(manager, id) !== null);
  return { preset: presetById(manager, chosen.id), from: chosen.from };
}

/** Text completion's templates and the samplers a generation uses, and where each choice comes from. */
export interface FormattingInForce {
  text: TextFormatting;
  /** The connection's settings with the chosen sampler preset's values over them. */
  settings: ConnectionRecord['settings'];
  instructTemplate: Resolved;
  contextTemplate: Resolved;
  samplerPreset: Resolved;
}

/**
 * The instruct and context templates and the sampler preset in force: the chat's, else the character's, else the
 * connection's (a connection names templates, and its own samplers stand for a preset), else the user's default
 * template. An id that names nothing (deleted since) falls to the next level, so no choice stops a generation.
 */
export function formattingFor(formatting: FormattingSettings, levels: OverrideLevels, connection: ConnectionRecord | null): FormattingInForce {
  const global = {
    instructTemplateId: connection?.instructTemplate ?? null,
    contextTemplateId: (connection && optionOf(connection.settings, 'context_template')) || null,
  };
  const instructTemplate = resolveOverride({ ...levels, global: global.instructTemplateId }, 'instructTemplateId', (id) => lookupInstruct(formatting, id) !== undefined);
  const contextTemplate = resolveOverride({ ...levels, global: global.contextTemplateId }, 'contextTemplateId', (id) => lookupContext(formatting, id) !== undefined);
  const samplerPreset = resolveOverride({ ...levels, global: null }, 'samplerPresetId', (id) => samplerPresetById(formatting, id) !== undefined);
  const preset = samplerPresetById(formatting, samplerPreset.id);
  const base = connection?.settings ?? ({} as ConnectionRecord['settings']);
  return {
    text: { instruct: resolveInstruct(formatting, instructTemplate.id).template, context: resolveContext(formatting, contextTemplate.id).template },
    settings: preset ? { ...base, ...preset.samplers } : base,
    instructTemplate,
    contextTemplate,
    samplerPreset,
  };
}

/** What is in force for a chat and where it comes from (the chat header's "Claude 3.5 · from character"). */
export async function overridesView(store: Store, userId: string, chat: ChatRecord, character: CharacterRecord | null): Promise<ResolvedOverridesView> {
  const levels = overrideLevels(chat, character);
  const values = (await store.settings.get(userId)).values;
  // The same resolution as a generation's; none yet is shown as none, not refused.
  const resolved = await resolveGenerationConnection(store, userId, undefined, levels, values).catch((error: unknown) => {
    if (error instanceof ApiError && error.code === 'invalid_request') return null;
    throw error;
  });
  const prompt = promptSettingsFor(promptSettingsOf(values), levels);
  const system = activeSystemPrompt(prompt.settings);
  const preset = promptPresetFor(promptManagerOf(values), levels);
  const { instructTemplate, contextTemplate, samplerPreset } = formattingFor(formattingSettingsOf(values), levels, resolved?.connection ?? null);
  return {
    connection: {
      id: resolved?.connection.id ?? null,
      name: resolved?.connection.name ?? null,
      model: resolved?.connection.model ?? null,
      from: resolved?.from ?? 'global',
    },
    systemPrompt: { id: system?.id ?? null, name: system?.name ?? null, from: prompt.from },
    promptPreset: { id: preset.preset?.id ?? null, name: preset.preset?.name ?? null, from: preset.from },
    instructTemplate,
    contextTemplate,
    samplerPreset,
    chat: levels.chat,
    character: levels.character,
  };
}
