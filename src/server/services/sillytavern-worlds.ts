import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CHARACTER_STRATEGIES, WORLD_INFO_SETTINGS_KEY, type WorldInfoSettings } from '../../shared/api/world-info-settings.js';
import { WorldName } from '../../shared/api/worlds.js';
import { isJsonObject } from '../formats/is-json-object.js';
import type { ScannedFile, ScannedPersona, SillyTavernDataFolder } from '../formats/scan-sillytavern-data-folder.js';
import { WorldFormatError } from '../formats/world-file.js';
import { loadTokenizer } from '../generation/tokenizer.js';
import type { Store } from '../store/store.js';
import { patchSettings } from './settings.js';
import { importWorld } from './worlds.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A book's id comes from its SillyTavern name, so the same book imported again is found, not doubled. */
export const worldIdOf = (name: string) => `st-world-${sha256(name).slice(0, 32)}`;

export interface WorldImportContext {
  userId: string;
  now: () => number;
  maxBytes: number;
  /** The Parley id of the character imported from SillyTavern's `<avatar>.png|json`. */
  characterIdOf: (avatar: string) => string | undefined;
  /** The Parley id of a persona imported from SillyTavern's avatar key. */
  personaIdOf: (avatarId: string) => string;
}

export interface WorldImportOutcome {
  imported: number;
  alreadyThere: number;
  skipped: { file: ScannedFile | string; reason: string }[];
  warnings: string[];
  /** Whether the world-info settings (book choices, scan settings) were written now. */
  settingsImported: boolean;
}

/**
 * Brings a SillyTavern folder's world info over, so the first prompt after moving in fires the same entries:
 * `worlds/*.json` as books (each in its own transaction, found again on a second run), then, in one settings
 * patch, the global settings of `world_info_settings`, the active global books (`globalSelect`), each
 * character's additional books (`charLore`, by the character's file name) and each persona's book. Cards keep
 * `extensions.world` and chats their `world_info`, which link by name as in SillyTavern.
 */
export async function importSillyTavernWorlds(
  store: Store,
  scan: Pick<SillyTavernDataFolder, 'worlds' | 'worldInfoSettings' | 'personas'>,
  ctx: WorldImportContext,
  onProgress: (item: string) => void,
): Promise<WorldImportOutcome> {
  const outcome: WorldImportOutcome = { imported: 0, alreadyThere: 0, skipped: [], warnings: [], settingsImported: false };
  const tokenizer = await loadTokenizer('');
  const count = (text: string) => tokenizer.count(text);
  for (const file of scan.worlds) {
    onProgress(`worlds/${file.fileName}`);
    const name = WorldName.safeParse(file.fileName.replace(/\.json$/i, ''));
    if (!name.success) {
      outcome.skipped.push({ file, reason: 'its file name cannot be a book name' });
      continue;
    }
    const id = worldIdOf(name.data);
    if (await store.worlds.get(ctx.userId, id)) {
      outcome.alreadyThere += 1;
      continue;
    }
    if ((await store.worlds.byNames(ctx.userId, [name.data], true)).length > 0) {
      outcome.skipped.push({ file, reason: `a book named "${name.data}" is already in Parley` });
      continue;
    }
    if (file.size > ctx.maxBytes) {
      outcome.skipped.push({ file, reason: `larger than ${Math.round(ctx.maxBytes / 1024 / 1024)} MB (limits.cardUploadMb)` });
      continue;
    }
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file.path));
      await store.transaction((repos) => importWorld(repos, ctx.userId, { id, name: name.data, text }, count, ctx.now()));
      outcome.imported += 1;
    } catch (error) {
      if (error instanceof WorldFormatError) outcome.skipped.push({ file, reason: error.message });
      else if (error instanceof TypeError) outcome.skipped.push({ file, reason: 'not UTF-8 text' });
      else if (error instanceof Error && 'syscall' in error) outcome.skipped.push({ file, reason: `could not be read: ${error.message}` });
      else throw error;
    }
  }

  const settings = worldInfoSettingsFrom(scan.worldInfoSettings, scan.personas, ctx, outcome.warnings);
  if (Object.keys(settings).length > 0) {
    const patch = { [WORLD_INFO_SETTINGS_KEY]: settings };
    // The op id is the content's hash: the same settings imported again are a duplicate op, not a new revision.
    const opId = `st-world-info-${sha256(JSON.stringify(patch)).slice(0, 36)}`;
    outcome.settingsImported = (await patchSettings(store, ctx.userId, opId, patch, ctx.now())).status === 'applied';
  }
  return outcome;
}

const ST_KEYS: [keyof WorldInfoSettings, string, 'number' | 'boolean'][] = [
  ['scanDepth', 'world_info_depth', 'number'],
  ['minActivations', 'world_info_min_activations', 'number'],
  ['minActivationsDepthMax', 'world_info_min_activations_depth_max', 'number'],
  ['budgetPercent', 'world_info_budget', 'number'],
  ['budgetCap', 'world_info_budget_cap', 'number'],
  ['maxRecursionSteps', 'world_info_max_recursion_steps', 'number'],
  ['includeNames', 'world_info_include_names', 'boolean'],
  ['recursive', 'world_info_recursive', 'boolean'],
  ['caseSensitive', 'world_info_case_sensitive', 'boolean'],
  ['matchWholeWords', 'world_info_match_whole_words', 'boolean'],
  ['useGroupScoring', 'world_info_use_group_scoring', 'boolean'],
];

/** SillyTavern's world-info settings under Parley's names; only what the file has. */
export function worldInfoSettingsFrom(
  st: Record<string, unknown>,
  personas: readonly ScannedPersona[],
  ctx: Pick<WorldImportContext, 'characterIdOf' | 'personaIdOf'>,
  warnings: string[],
): Partial<WorldInfoSettings> {
  const out: Partial<Record<keyof WorldInfoSettings, unknown>> = {};
  for (const [ours, theirs, type] of ST_KEYS) {
    const value = st[theirs];
    if (type === 'number' && typeof value === 'number' && Number.isFinite(value)) out[ours] = value;
    if (type === 'boolean' && typeof value === 'boolean') out[ours] = value;
  }
  // SillyTavern resets a budget over 100 (an old absolute value) to 25%.
  if (typeof out.budgetPercent === 'number' && (out.budgetPercent > 100 || out.budgetPercent < 1)) out.budgetPercent = 25;
  const strategy = st.world_info_character_strategy;
  if (typeof strategy === 'number' && CHARACTER_STRATEGIES[strategy]) out.characterStrategy = CHARACTER_STRATEGIES[strategy];

  const selection = st.world_info;
  const names = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
  // Old versions kept one name, or a list, where newer ones keep { globalSelect, charLore }.
  const globalBooks = typeof selection === 'string' ? [selection] : Array.isArray(selection) ? names(selection) : isJsonObject(selection) ? names(selection.globalSelect) : [];
  if (globalBooks.length > 0) out.globalBooks = globalBooks;
  const charLore = isJsonObject(selection) && Array.isArray(selection.charLore) ? selection.charLore : [];
  const characterBooks: Record<string, string[]> = {};
  for (const item of charLore) {
    if (!isJsonObject(item) || typeof item.name !== 'string') continue;
    const id = ctx.characterIdOf(item.name);
    if (!id) {
      warnings.push(`The additional books of "${item.name}" were not linked: no character of that file name was imported.`);
      continue;
    }
    characterBooks[id] = names(item.extraBooks);
  }
  if (Object.keys(characterBooks).length > 0) out.characterBooks = characterBooks;
  const personaBooks: Record<string, string> = {};
  for (const persona of personas) {
    const book = persona.details.lorebook;
    if (typeof book === 'string' && book !== '') personaBooks[ctx.personaIdOf(persona.avatarId)] = book;
  }
  if (Object.keys(personaBooks).length > 0) out.personaBooks = personaBooks;
  return out as Partial<WorldInfoSettings>;
}
