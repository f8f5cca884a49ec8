import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PROMPT_SETTINGS_KEY, promptSettingsOf, SystemPromptPreset } from '../../shared/api/prompt-settings.js';
import { FORMATTING_SETTINGS_KEY, type FormattingKind } from '../../shared/api/text-formatting.js';
import { isJsonObject } from '../formats/is-json-object.js';
import type { ScannedFile, SillyTavernDataFolder } from '../formats/scan-sillytavern-data-folder.js';
import { formattingFromSillyTavern, FormattingFileError } from '../formats/sillytavern-formatting.js';
import type { Store } from '../store/store.js';
import { FORMATTING_SLOT } from './formatting.js';
import { patchSettings } from './settings.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An imported file's id comes from its kind and SillyTavern name: imported again, it replaces itself. */
export const formattingIdOf = (kind: FormattingKind | 'sysprompt', name: string) => `st-${kind}-${sha256(name).slice(0, 24)}`;

export interface FormattingImportOutcome {
  imported: { instruct: number; context: number; samplerPresets: number; systemPrompts: number };
  /** The names made the defaults (SillyTavern's selections that were among the files). */
  active: { instruct?: string; context?: string; samplerPreset?: string; systemPrompt?: string };
  skipped: { file: ScannedFile; reason: string }[];
  /** False when the same files were imported before (nothing changed). */
  settingsChanged: boolean;
}

/**
 * Brings SillyTavern's text-completion formatting over: `instruct/`, `context/`, `TextGen Settings/` and
 * `sysprompt/`, and makes the ones settings.json had selected the user's defaults, so the first reply after moving
 * in is formatted and sampled as it was (a connection that names no template uses the defaults; a new connection
 * starts from the default sampler preset). One settings patch, whose op id is its content's hash.
 */
export async function importSillyTavernFormatting(
  store: Store,
  scan: Pick<SillyTavernDataFolder, 'formatting'>,
  ctx: { userId: string; now: () => number; maxBytes: number },
  onProgress: (item: string) => void,
): Promise<FormattingImportOutcome> {
  const outcome: FormattingImportOutcome = { imported: { instruct: 0, context: 0, samplerPresets: 0, systemPrompts: 0 }, active: {}, skipped: [], settingsChanged: false };
  const { formatting } = scan;

  async function readJson(folder: string, file: ScannedFile): Promise<{ name: string; data: Record<string, unknown> } | null> {
    onProgress(`${folder}/${file.fileName}`);
    if (file.size > ctx.maxBytes) {
      outcome.skipped.push({ file, reason: `larger than ${Math.round(ctx.maxBytes / 1024 / 1024)} MB (limits.cardUploadMb)` });
      return null;
    }
    try {
      const data: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file.path)));
      if (!isJsonObject(data)) throw new FormattingFileError('not a JSON object');
      return { name: file.fileName.replace(/\.json$/i, ''), data };
    } catch (error) {
      if (error instanceof Error && 'syscall' in error) outcome.skipped.push({ file, reason: `could not be read: ${error.message}` });
      else outcome.skipped.push({ file, reason: error instanceof FormattingFileError ? error.message : 'not a JSON file' });
      return null;
    }
  }

  const slots: Record<string, Record<string, unknown>> = { instruct: {}, context: {}, samplerPresets: {} };
  const defaults: Record<string, string> = {};
  const kinds: Array<[FormattingKind, string, ScannedFile[], string | undefined, 'instruct' | 'context' | 'samplerPreset', 'instruct' | 'context' | 'samplerPresets']> = [
    ['instruct', 'instruct', formatting.instruct, formatting.active.instruct, 'instruct', 'instruct'],
    ['context', 'context', formatting.context, formatting.active.context, 'context', 'context'],
    ['sampler', 'TextGen Settings', formatting.textgen, formatting.active.textgen, 'samplerPreset', 'samplerPresets'],
  ];
  for (const [kind, folder, files, activeName, activeKey, counter] of kinds) {
    for (const file of files) {
      const read = await readJson(folder, file);
      if (!read) continue;
      try {
        const { value } = formattingFromSillyTavern(kind, read.data, read.name);
        const id = formattingIdOf(kind, read.name);
        slots[FORMATTING_SLOT[kind]]![id] = value;
        outcome.imported[counter] += 1;
        if (read.name === activeName) {
          defaults[`active${activeKey[0]!.toUpperCase()}${activeKey.slice(1)}`] = id;
          outcome.active[activeKey] = read.name;
        }
      } catch (error) {
        if (!(error instanceof FormattingFileError)) throw error;
        outcome.skipped.push({ file, reason: error.message });
      }
    }
  }

  const systemPrompts: SystemPromptPreset[] = [];
  let activeSystemPrompt: string | undefined;
  for (const file of formatting.sysprompt) {
    const read = await readJson('sysprompt', file);
    if (!read) continue;
    const parsed = SystemPromptPreset.safeParse({ id: formattingIdOf('sysprompt', read.name), name: read.name, content: read.data.content });
    if (!parsed.success) {
      outcome.skipped.push({ file, reason: 'not a system prompt ({name, content})' });
      continue;
    }
    systemPrompts.push(parsed.data);
    outcome.imported.systemPrompts += 1;
    if (read.name === formatting.active.sysprompt) {
      activeSystemPrompt = parsed.data.id;
      outcome.active.systemPrompt = read.name;
    }
  }

  const patch: Record<string, unknown> = {};
  if (Object.values(outcome.imported).some((n) => n > 0)) {
    patch[FORMATTING_SETTINGS_KEY] = { ...slots, ...defaults };
  }
  if (systemPrompts.length > 0) {
    // The presets are one list: the user's own stay, those imported before are replaced.
    const current = promptSettingsOf((await store.settings.get(ctx.userId)).values);
    const imported = new Set(systemPrompts.map((p) => p.id));
    patch[PROMPT_SETTINGS_KEY] = {
      systemPrompts: [...current.systemPrompts.filter((p) => !imported.has(p.id)), ...systemPrompts],
      ...(activeSystemPrompt && { activeSystemPrompt }),
    };
  }
  if (Object.keys(patch).length === 0) return outcome;
  const opId = `st-formatting-${sha256(JSON.stringify(patch)).slice(0, 40)}`;
  const result = await patchSettings(store, ctx.userId, opId, patch, ctx.now());
  outcome.settingsChanged = result.status === 'applied';
  return outcome;
}
