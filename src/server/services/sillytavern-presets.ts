import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { cutText } from '../../shared/cut-text.js';
import type { ScannedFile, SillyTavernDataFolder } from '../formats/scan-sillytavern-data-folder.js';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../store/store.js';
import { readPresetFile, savePreset } from './prompt-presets.js';

/** A preset's id comes from its file name, so a second run finds it instead of adding it again. */
export const presetIdOf = (name: string) => `st-preset-${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;

export interface PresetImportOutcome {
  imported: number;
  alreadyThere: number;
  skipped: { file: ScannedFile; reason: string }[];
  /** The name of the preset put in use (SillyTavern's `oai_settings.preset_settings_openai`), when imported now. */
  activated: string | null;
}

/**
 * Brings `OpenAI Settings/*.json` over as prompt manager presets, each in its own transaction, and puts in use the
 * one settings.json names (`oai_settings.preset_settings_openai`): its order lays out the first reply after moving
 * in, its main prompt becomes the active system prompt and its post-history instructions Parley's. A preset found
 * by an earlier run is left as it is (and not put in use again, so a re-run undoes no choice made since).
 */
export async function importSillyTavernPresets(
  store: Store,
  scan: Pick<SillyTavernDataFolder, 'chatCompletionPresets' | 'settings'>,
  ctx: { userId: string; now: () => number; maxBytes: number },
  onProgress: (item: string) => void,
): Promise<PresetImportOutcome> {
  const outcome: PresetImportOutcome = { imported: 0, alreadyThere: 0, skipped: [], activated: null };
  const inUse = scan.settings.chatCompletion?.preset;
  for (const file of scan.chatCompletionPresets) {
    onProgress(`OpenAI Settings/${file.fileName}`);
    const name = cutText(file.fileName.replace(/\.json$/i, '').trim(), 200);
    if (!name) {
      outcome.skipped.push({ file, reason: 'it has no name' });
      continue;
    }
    if (file.size > ctx.maxBytes) {
      outcome.skipped.push({ file, reason: `larger than ${Math.round(ctx.maxBytes / 1024 / 1024)} MB (limits.cardUploadMb)` });
      continue;
    }
    const id = presetIdOf(name);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file.path, 'utf8'));
    } catch (error) {
      outcome.skipped.push({ file, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    let preset;
    try {
      preset = readPresetFile(json, { id, name });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      outcome.skipped.push({ file, reason: error.message });
      continue;
    }
    const activate = name === inUse;
    const stored = await savePreset(store, ctx.userId, preset, { activate, keepExisting: true }, ctx.now());
    if (!stored) outcome.alreadyThere += 1;
    else {
      outcome.imported += 1;
      if (activate) outcome.activated = name;
    }
  }
  return outcome;
}
