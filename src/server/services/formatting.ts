import { createHash } from 'node:crypto';
import {
  FORMATTING_SETTINGS_KEY,
  formattingSettingsOf,
  type FormattingCatalog,
  type FormattingImportRequest,
  type FormattingKind,
} from '../../shared/api/text-formatting.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { formattingFromSillyTavern, FormattingFileError, samplerPresetToSillyTavern } from '../formats/sillytavern-formatting.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT, bundledInstructId } from '../generation/bundled-formatting.js';
import { formattingCatalog } from '../generation/resolve-formatting.js';
import type { Store } from '../store/store.js';
import { patchSettings } from './settings.js';

/** Where each kind is kept under the formatting settings. */
export const FORMATTING_SLOT = { instruct: 'instruct', context: 'context', sampler: 'samplerPresets' } as const;

export async function formattingCatalogOf(store: Store, userId: string): Promise<FormattingCatalog> {
  return formattingCatalog(formattingSettingsOf((await store.settings.get(userId)).values));
}

/**
 * Stores one SillyTavern file under the id the client chose (an id already used is replaced: importing a file
 * again updates it). A file that does not read as its kind is a 400 and nothing is stored.
 */
export async function importFormatting(store: Store, userId: string, request: FormattingImportRequest, now: number) {
  let parsed;
  try {
    parsed = formattingFromSillyTavern(request.kind, request.data, request.name ?? request.id);
  } catch (error) {
    if (error instanceof FormattingFileError) throw new ApiError('invalid_request', `This is not a SillyTavern ${request.kind} file Parley can read: ${error.message}`);
    throw error;
  }
  const value = parsed.value;
  const patch = { [FORMATTING_SETTINGS_KEY]: { [FORMATTING_SLOT[request.kind]]: { [request.id]: value } } };
  const opId = `formatting-${createHash('sha256').update(JSON.stringify(patch)).digest('hex').slice(0, 40)}`;
  const result = await patchSettings(store, userId, opId, patch, now);
  return { result, body: { kind: request.kind, id: request.id, name: value.name } };
}

/** A template or preset as SillyTavern's JSON file, with the name to save it under. */
export async function exportFormatting(store: Store, userId: string, kind: FormattingKind, id: string): Promise<{ name: string; json: Record<string, unknown> }> {
  const settings = formattingSettingsOf((await store.settings.get(userId)).values);
  if (kind === 'sampler') {
    const preset = settings.samplerPresets[id];
    if (!preset) throw notFound('Sampler preset');
    return { name: preset.name, json: { name: preset.name, ...samplerPresetToSillyTavern(preset) } };
  }
  const bundledId = kind === 'instruct' ? bundledInstructId(id) : Object.hasOwn(BUNDLED_CONTEXT, id) ? id : undefined;
  const template = settings[kind][id] ?? (bundledId ? (kind === 'instruct' ? BUNDLED_INSTRUCT : BUNDLED_CONTEXT)[bundledId] : undefined);
  if (!template) throw notFound(kind === 'instruct' ? 'Instruct template' : 'Context template');
  return { name: template.name, json: { ...template } };
}
