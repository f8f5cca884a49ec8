import type { Dirent } from 'node:fs';
import { lstat, opendir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { DataFolderError } from './data-folder-error.js';
import { isJsonObject } from './is-json-object.js';

export interface ScannedFile {
  /** Absolute path, always a directory entry of the scanned folder joined to it, never text from a file. */
  path: string;
  fileName: string;
  size: number;
}

export interface ScannedCharacter extends ScannedFile {
  format: 'png' | 'json';
  /** The file name without extension: SillyTavern's avatar id, and the name of its chats folder. */
  avatar: string;
  chats: ScannedFile[];
}

export interface ScannedPersona {
  /** SillyTavern's key for the persona: its avatar's file name ("user-default.png"). */
  avatarId: string;
  name: string;
  description: string;
  isDefault: boolean;
  /** The avatar image, when the folder has a file of that name. */
  avatar: ScannedFile | null;
  /** The rest of its persona_descriptions entry (position, depth, role, lorebook, title), verbatim. */
  details: Record<string, unknown>;
}

/** The settings.json values Parley can use; each is present only when settings.json had it with a usable type. */
export interface ScannedSettings {
  userName?: string;
  /** avatarId of the persona selected when SillyTavern was last used. */
  activePersona?: string;
  mainApi?: string;
  contextSize?: number;
  maxTokens?: number;
  /** Text-completion samplers (textgenerationwebui_settings). */
  textCompletion?: Partial<Record<'temperature' | 'top_p' | 'top_k' | 'min_p' | 'repetition_penalty', number>> & {
    stop?: string[];
  };
  /** Chat-completion settings (oai_settings). */
  chatCompletion?: Partial<Record<'temperature' | 'top_p' | 'contextSize' | 'maxTokens', number>> & {
    model?: string;
    /** The chat-completion preset in use: a file name in `OpenAI Settings/` without `.json`. */
    preset?: string;
  };
}

export interface ScannedFormatting {
  instruct: ScannedFile[];
  context: ScannedFile[];
  textgen: ScannedFile[];
  sysprompt: ScannedFile[];
  /** The names of the ones in use (power_user.instruct.preset, power_user.context.preset,
   *  textgenerationwebui_settings.preset, power_user.sysprompt.name). */
  active: { instruct?: string; context?: string; textgen?: string; sysprompt?: string };
}

export interface UnsupportedItem extends ScannedFile {
  kind: 'avatar-without-persona';
}

export interface SillyTavernDataFolder {
  root: string;
  characters: ScannedCharacter[];
  /** chats/<folder>/ with no character file of that name. */
  orphanChats: { folder: string; files: ScannedFile[] }[];
  personas: ScannedPersona[];
  settings: ScannedSettings;
  /** worlds/*.json: world-info books, named by their file names. */
  worlds: ScannedFile[];
  /** OpenAI Settings/*.json: chat-completion presets (the prompt manager's). */
  chatCompletionPresets: ScannedFile[];
  /** groups/*.json: group definitions (members by card file name, the ids of their chats). */
  groups: ScannedFile[];
  /** group chats/*.jsonl, named by chat id. */
  groupChats: ScannedFile[];
  /** instruct/, context/, TextGen Settings/ and sysprompt/ files, and the names settings.json had in use. */
  formatting: ScannedFormatting;
  /** settings.json's `world_info_settings` as it is (older versions kept these keys at the top level). */
  worldInfoSettings: Record<string, unknown>;
  /** settings.json's `extension_settings.regex` (global regex scripts, as they are) and `character_allowed_regex`. */
  regex: { scripts: unknown; allowedAvatars: unknown };
  /** What the folder has that Parley does not import (yet), so a summary can say so. */
  unsupported: UnsupportedItem[];
  /** Problems that did not stop the scan (an unreadable settings.json, a folder with too many entries). */
  warnings: string[];
}

export const SCAN_LIMITS = {
  /** Entries read per directory; a real folder has hundreds to a few thousand. */
  maxEntriesPerDirectory: 100_000,
  /** settings.json is read whole; SillyTavern's is a few hundred KB, extension settings included. */
  maxSettingsBytes: 32 * 1024 * 1024,
} as const;

const byName = (a: { fileName: string }, b: { fileName: string }) =>
  a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0;

class FolderScan {
  readonly warnings: string[] = [];

  /** The entries of dir (empty when it does not exist). Symbolic links are skipped: they could lead outside. */
  async entries(dir: string): Promise<Dirent[]> {
    const out: Dirent[] = [];
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      return out;
    }
    for await (const entry of handle) {
      if (out.length >= SCAN_LIMITS.maxEntriesPerDirectory) {
        this.warnings.push(`${dir} has more than ${SCAN_LIMITS.maxEntriesPerDirectory} entries; the rest were not read.`);
        break; // leaving the loop closes the directory handle
      }
      if (!entry.isSymbolicLink()) out.push(entry);
    }
    return out;
  }

  /** Regular files of dir whose extension (lower-cased) is one of `extensions`, sorted by name. */
  async files(dir: string, extensions: readonly string[]): Promise<ScannedFile[]> {
    const found: ScannedFile[] = [];
    for (const entry of await this.entries(dir)) {
      if (!entry.isFile() || !extensions.includes(extname(entry.name).toLowerCase())) continue;
      const path = join(dir, entry.name);
      const stats = await lstat(path);
      found.push({ path, fileName: entry.name, size: stats.size });
    }
    return found.sort(byName);
  }

  async subfolders(dir: string): Promise<string[]> {
    return (await this.entries(dir))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  }

  async settingsJson(root: string, names: ReadonlySet<string>): Promise<Record<string, unknown>> {
    if (!names.has('settings.json')) return {};
    const path = join(root, 'settings.json');
    try {
      const { size } = await lstat(path);
      if (size > SCAN_LIMITS.maxSettingsBytes) throw new Error(`it is larger than ${SCAN_LIMITS.maxSettingsBytes} bytes`);
      const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (!isJsonObject(parsed)) throw new Error('it is not a JSON object');
      return parsed;
    } catch (error) {
      this.warnings.push(`settings.json was not read: ${error instanceof Error ? error.message : String(error)}`);
      return {};
    }
  }
}

const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);
const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Only the keys whose value is defined, so absent settings stay absent. */
function defined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function nonEmpty<T extends Record<string, unknown>>(record: T): T | undefined {
  return Object.keys(record).length > 0 ? record : undefined;
}

function pickSettings(settings: Record<string, unknown>): ScannedSettings {
  const textgen = isJsonObject(settings.textgenerationwebui_settings) ? settings.textgenerationwebui_settings : {};
  const oai = isJsonObject(settings.oai_settings) ? settings.oai_settings : {};
  const stop = textgen.stopping_strings;
  return defined({
    userName: stringOf(settings.username),
    activePersona: stringOf(settings.user_avatar),
    mainApi: stringOf(settings.main_api),
    contextSize: numberOf(settings.max_context),
    maxTokens: numberOf(settings.amount_gen),
    textCompletion: nonEmpty(
      defined({
        temperature: numberOf(textgen.temp),
        top_p: numberOf(textgen.top_p),
        top_k: numberOf(textgen.top_k),
        min_p: numberOf(textgen.min_p),
        repetition_penalty: numberOf(textgen.rep_pen),
        stop: Array.isArray(stop) && stop.every((s) => typeof s === 'string') ? (stop as string[]) : undefined,
      }),
    ),
    chatCompletion: nonEmpty(
      defined({
        model: stringOf(oai.openai_model),
        preset: stringOf(oai.preset_settings_openai),
        temperature: numberOf(oai.temp_openai),
        top_p: numberOf(oai.top_p_openai),
        contextSize: numberOf(oai.openai_max_context),
        maxTokens: numberOf(oai.openai_max_tokens),
      }),
    ),
  });
}

function activeFormatting(settings: Record<string, unknown>): ScannedFormatting['active'] {
  const powerUser = isJsonObject(settings.power_user) ? settings.power_user : {};
  const section = (value: unknown) => (isJsonObject(value) ? value : {});
  return defined({
    instruct: stringOf(section(powerUser.instruct).preset),
    context: stringOf(section(powerUser.context).preset),
    textgen: stringOf(section(settings.textgenerationwebui_settings).preset),
    sysprompt: stringOf(section(powerUser.sysprompt).name),
  });
}

function pickPersonas(settings: Record<string, unknown>, avatars: ScannedFile[]): ScannedPersona[] {
  const powerUser = isJsonObject(settings.power_user) ? settings.power_user : {};
  const names = isJsonObject(powerUser.personas) ? powerUser.personas : {};
  const descriptions = isJsonObject(powerUser.persona_descriptions) ? powerUser.persona_descriptions : {};
  const personas: ScannedPersona[] = [];
  for (const [avatarId, name] of Object.entries(names)) {
    if (typeof name !== 'string' || name.trim() === '') continue;
    const entry = isJsonObject(descriptions[avatarId]) ? (descriptions[avatarId] as Record<string, unknown>) : {};
    const { description, ...details } = entry;
    personas.push({
      avatarId,
      name,
      description: typeof description === 'string' ? description : '',
      isDefault: powerUser.default_persona === avatarId,
      // The key only selects among listed files; it never becomes part of a path.
      avatar: avatars.find((file) => file.fileName === avatarId) ?? null,
      details,
    });
  }
  return personas.sort((a, b) => (a.avatarId < b.avatarId ? -1 : a.avatarId > b.avatarId ? 1 : 0));
}

/**
 * Lists what a SillyTavern user folder (`data/<handle>/`, or `public/` in old versions) holds for a one-shot
 * import: character cards with their chats, personas, and the settings worth keeping. Reads directory listings
 * and settings.json only; every path comes from a listing of `dir`, never from the contents of a file.
 * Throws DataFolderError when `dir` is missing or is not a SillyTavern folder.
 */
export async function scanSillyTavernDataFolder(folder: string): Promise<SillyTavernDataFolder> {
  const dir = resolve(folder);
  let stats;
  try {
    stats = await lstat(dir);
  } catch {
    throw new DataFolderError('not_found', `${dir} does not exist.`);
  }
  if (!stats.isDirectory()) throw new DataFolderError('not_a_directory', `${dir} is not a folder.`);
  const scan = new FolderScan();
  const rootNames = new Set((await scan.entries(dir)).map((e) => e.name));
  if (!['characters', 'chats', 'settings.json', 'User Avatars'].some((name) => rootNames.has(name))) {
    throw new DataFolderError(
      'not_sillytavern',
      `${dir} does not look like a SillyTavern user folder (no characters, chats or settings.json).`,
    );
  }

  const cards = await scan.files(join(dir, 'characters'), ['.png', '.json']);
  const chatFolders = new Set(await scan.subfolders(join(dir, 'chats')));
  const characters: ScannedCharacter[] = [];
  // A PNG and a JSON of the same name share one chats folder; SillyTavern's own card is the PNG.
  const isPng = (file: ScannedFile) => extname(file.fileName).toLowerCase() === '.png';
  for (const card of [...cards.filter(isPng), ...cards.filter((c) => !isPng(c))]) {
    const avatar = card.fileName.slice(0, -extname(card.fileName).length);
    const owns = chatFolders.delete(avatar);
    characters.push({
      ...card,
      format: isPng(card) ? 'png' : 'json',
      avatar,
      chats: owns ? await scan.files(join(dir, 'chats', avatar), ['.jsonl']) : [],
    });
  }
  characters.sort(byName);
  const orphanChats = [];
  for (const folder of [...chatFolders].sort()) {
    const files = await scan.files(join(dir, 'chats', folder), ['.jsonl']);
    if (files.length > 0) orphanChats.push({ folder, files });
  }

  const settings = await scan.settingsJson(dir, rootNames);
  const avatars = await scan.files(join(dir, 'User Avatars'), ['.png', '.jpg', '.jpeg', '.webp', '.gif']);
  const personas = pickPersonas(settings, avatars);
  const personaAvatars = new Set(personas.map((p) => p.avatar?.fileName));
  const unsupported: UnsupportedItem[] = [
    ...avatars
      .filter((f) => !personaAvatars.has(f.fileName))
      .map((f) => ({ ...f, kind: 'avatar-without-persona' as const })),
  ];

  return {
    root: dir,
    characters,
    orphanChats,
    personas,
    settings: pickSettings(settings),
    worlds: await scan.files(join(dir, 'worlds'), ['.json']),
    chatCompletionPresets: await scan.files(join(dir, 'OpenAI Settings'), ['.json']),
    groups: await scan.files(join(dir, 'groups'), ['.json']),
    groupChats: await scan.files(join(dir, 'group chats'), ['.jsonl']),
    formatting: {
      instruct: await scan.files(join(dir, 'instruct'), ['.json']),
      context: await scan.files(join(dir, 'context'), ['.json']),
      textgen: await scan.files(join(dir, 'TextGen Settings'), ['.json']),
      sysprompt: await scan.files(join(dir, 'sysprompt'), ['.json']),
      active: activeFormatting(settings),
    },
    worldInfoSettings: isJsonObject(settings.world_info_settings) ? settings.world_info_settings : settings,
    regex: {
      scripts: isJsonObject(settings.extension_settings) ? settings.extension_settings.regex : undefined,
      allowedAvatars: isJsonObject(settings.extension_settings) ? settings.extension_settings.character_allowed_regex : undefined,
    },
    unsupported,
    warnings: scan.warnings,
  };
}
