import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { CreatePersonaRequest } from '../../shared/api/settings.js';
import { CardFormatError } from '../formats/card-format-error.js';
import { ChatFormatError } from '../formats/chat-format-error.js';
import { imageMimeType } from '../formats/image-mime-type.js';
import {
  scanSillyTavernDataFolder,
  type ScannedCharacter,
  type ScannedFile,
  type ScannedPersona,
  type UnsupportedItem,
} from '../formats/scan-sillytavern-data-folder.js';
import { personaIdOfAvatar } from '../formats/sillytavern-persona-id.js';
import type { Store } from '../store/store.js';
import { ApiError } from '../errors/api-error.js';
import { cardUpload, createCharacter } from './characters.js';
import { importChatFile } from './chat-files.js';
import { createPersona } from './personas.js';
import { patchSettings } from './settings.js';
import { importSillyTavernWorlds } from './sillytavern-worlds.js';
import { importSillyTavernRegex, type RegexImportOutcome } from './sillytavern-regex.js';
import { importSillyTavernGroups } from './sillytavern-groups.js';
import { importSillyTavernFormatting, type FormattingImportOutcome } from './sillytavern-formatting.js';
import { importSillyTavernPresets } from './sillytavern-presets.js';

export interface SillyTavernImportOptions {
  userId: string;
  now: () => number;
  /** Files over these sizes are skipped (config `limits.cardUploadMb`, `limits.chatImportMb`). */
  maxCardBytes: number;
  maxChatBytes: number;
  /** Called before each item is imported, and once more at the end with done === total. */
  onProgress?: (progress: { done: number; total: number; item: string }) => void;
}

export interface ImportCounts {
  characters: number;
  /** 1:1 and group chats. */
  chats: number;
  groups: number;
  personas: number;
  worlds: number;
  /** Chat-completion presets (`OpenAI Settings/*.json`). */
  presets: number;
}

export interface SillyTavernImportReport {
  root: string;
  imported: ImportCounts & { messages: number };
  /** Found by their source key: imported by an earlier run, left as they are. */
  alreadyThere: ImportCounts;
  /** The `sillytavern` keys written to the user's settings; empty when nothing changed since the last run. */
  settingsImported: string[];
  /** Whether world info's settings and book choices were written (false when unchanged since the last run). */
  worldInfoSettingsImported: boolean;
  /** The chat-completion preset put in use (settings.json's `oai_settings.preset_settings_openai`), when imported now. */
  activePreset: string | null;
  /** Global regex scripts of settings.json, and the characters whose card scripts were allowed. */
  regexScripts: RegexImportOutcome;
  /** Instruct and context templates, sampler presets and system prompts, and the ones made the defaults. */
  formatting: Pick<FormattingImportOutcome, 'imported' | 'active' | 'settingsChanged'>;
  /** Files not imported, with why (paths relative to the folder). */
  skipped: { path: string; reason: string }[];
  /** Chats imported except for lines that did not parse (a cut-off last line, say). */
  partialChats: { path: string; skippedLines: { line: number; reason: string }[]; changedLines: { line: number; reason: string }[] }[];
  unsupported: { path: string; kind: UnsupportedItem['kind'] }[];
  /** Group members that matched no imported character (kept by name in the group). */
  unknownGroupMembers: { group: string; members: string[] }[];
  warnings: string[];
}

/** A file that could not be read or parsed: reported and skipped. Anything else (the database) stops the run. */
function fileProblem(error: unknown): string | null {
  if (error instanceof CardFormatError || error instanceof ChatFormatError) return `${error.message} (${error.reason})`;
  if (error instanceof Error && 'syscall' in error) return `could not be read: ${error.message}`;
  // The chat's import was refused or cut off (an earlier run still importing it, its character gone): run again.
  if (error instanceof ApiError) return error.message;
  return null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');


const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** Cards read and thumbnailed ahead of the one being stored. */
const CARDS_AHEAD = 4;

/** A card made ready before its turn: its upload, or the error reading it (reported in its turn); nothing when it
 *  is already here or too large. */
interface PreparedCard {
  upload?: Awaited<ReturnType<typeof cardUpload>>;
  error?: unknown;
}

const sourceKeyOf = (file: ScannedCharacter) => `st:character:${file.fileName}`;

/**
 * Moves a SillyTavern user folder into one Parley user: character cards, their chats, personas (with
 * avatars) and the settings worth keeping, under `settings.sillytavern`. Every item carries a source key
 * (a deterministic id for personas, an op id for settings), so a second run finds what the first imported
 * and duplicates nothing; a run that stopped midway resumes. Each card and chat lands in its own short
 * transactions, so a running server keeps answering meanwhile.
 */
export async function importSillyTavernFolder(
  store: Store,
  folder: string,
  options: SillyTavernImportOptions,
): Promise<SillyTavernImportReport> {
  const scan = await scanSillyTavernDataFolder(folder);
  const { userId } = options;
  const report: SillyTavernImportReport = {
    root: scan.root,
    imported: { characters: 0, chats: 0, groups: 0, personas: 0, worlds: 0, presets: 0, messages: 0 },
    alreadyThere: { characters: 0, chats: 0, groups: 0, personas: 0, worlds: 0, presets: 0 },
    activePreset: null,
    settingsImported: [],
    regexScripts: { imported: 0, alreadyThere: 0, allowedCharacters: 0 },
    worldInfoSettingsImported: false,
    formatting: { imported: { instruct: 0, context: 0, samplerPresets: 0, systemPrompts: 0 }, active: {}, settingsChanged: false },
    skipped: [],
    partialChats: [],
    unsupported: scan.unsupported.map((item) => ({ path: relative(scan.root, item.path), kind: item.kind })),
    unknownGroupMembers: [],
    warnings: [...scan.warnings],
  };
  const rel = (file: ScannedFile) => relative(scan.root, file.path);
  const skip = (file: ScannedFile | string, reason: string) =>
    report.skipped.push({ path: typeof file === 'string' ? file : rel(file), reason });

  const total =
    scan.characters.reduce((n, c) => n + 1 + c.chats.length, 0) +
    scan.personas.length +
    scan.worlds.length +
    scan.groups.length +
    scan.groupChats.length +
    scan.formatting.instruct.length +
    scan.formatting.context.length +
    scan.formatting.textgen.length +
    scan.formatting.sysprompt.length +
    scan.chatCompletionPresets.length +
    1;
  let done = 0;
  const step = (item: string) => options.onProgress?.({ done: done++, total, item });

  const characterIds = new Map<string, string>();
  // The next few cards are read and their thumbnails made (libvips works off the main thread) while one is stored:
  // one at a time, an import of thousands of cards mostly waited.
  const prepared = scan.characters.map(() => null as Promise<PreparedCard> | null);
  const prepare = (i: number) => {
    if (i < scan.characters.length) prepared[i] ??= prepareCard(scan.characters[i]!).catch((error: unknown) => ({ error }));
  };
  for (const [i, character] of scan.characters.entries()) {
    for (let ahead = i; ahead <= i + CARDS_AHEAD; ahead++) prepare(ahead);
    step(rel(character));
    const characterId = await importCharacter(character, await prepared[i]!);
    prepared[i] = null;
    if (characterId) characterIds.set(character.avatar, characterId);
    for (const chat of character.chats) {
      step(rel(chat));
      if (characterId) await importChat(characterId, character, chat);
      else skip(chat, `its character card ${character.fileName} was not imported`);
    }
  }
  const groups = await importSillyTavernGroups(
    store,
    scan,
    { userId, now: options.now, maxGroupBytes: options.maxCardBytes, maxChatBytes: options.maxChatBytes, characterIdOf: (a) => characterIds.get(a) },
    step,
  );
  report.imported.groups = groups.groups.imported;
  report.alreadyThere.groups = groups.groups.alreadyThere;
  report.imported.chats += groups.chats.imported;
  report.alreadyThere.chats += groups.chats.alreadyThere;
  report.imported.messages += groups.chats.messages;
  report.unknownGroupMembers = groups.unknownMembers;
  for (const { file, reason } of groups.skipped) skip(file, reason);
  for (const partial of groups.partialChats) report.partialChats.push({ ...partial, path: rel(partial.file) });
  for (const orphan of scan.orphanChats) {
    skip(`chats/${orphan.folder}`, `${orphan.files.length} chat(s) with no character card named "${orphan.folder}"`);
  }
  for (const persona of scan.personas) {
    step(`persona ${persona.name}`);
    await importPersona(persona);
  }
  const worlds = await importSillyTavernWorlds(
    store,
    scan,
    { userId, now: options.now, maxBytes: options.maxCardBytes, characterIdOf: (a) => characterIds.get(a), personaIdOf: personaIdOfAvatar },
    step,
  );
  report.imported.worlds = worlds.imported;
  report.alreadyThere.worlds = worlds.alreadyThere;
  report.worldInfoSettingsImported = worlds.settingsImported;
  for (const { file, reason } of worlds.skipped) skip(file, reason);
  report.warnings.push(...worlds.warnings);
  const formatting = await importSillyTavernFormatting(store, scan, { userId, now: options.now, maxBytes: options.maxCardBytes }, step);
  report.formatting = { imported: formatting.imported, active: formatting.active, settingsChanged: formatting.settingsChanged };
  for (const { file, reason } of formatting.skipped) skip(file, reason);
  const presets = await importSillyTavernPresets(store, scan, { userId, now: options.now, maxBytes: options.maxCardBytes }, step);
  report.imported.presets = presets.imported;
  report.alreadyThere.presets = presets.alreadyThere;
  report.activePreset = presets.activated;
  for (const { file, reason } of presets.skipped) skip(file, reason);
  step('settings.json');
  await importSettings();
  report.regexScripts = await importSillyTavernRegex(store, scan, { userId, now: options.now, characterIdOf: (a) => characterIds.get(a) });
  options.onProgress?.({ done: total, total, item: 'done' });
  return report;

  /** What storing a card needs, found before its turn: whether it is already here, else its upload. */
  async function prepareCard(file: ScannedCharacter): Promise<PreparedCard> {
    if (file.size > options.maxCardBytes || (await store.characters.bySourceKey(userId, sourceKeyOf(file)))) return {};
    return { upload: await cardUpload(await readFile(file.path), { fileName: file.fileName }) };
  }

  async function importCharacter(file: ScannedCharacter, prepared: PreparedCard): Promise<string | null> {
    // Looked up again in its turn: a card stored since it was prepared counts as already here.
    const existing = await store.characters.bySourceKey(userId, sourceKeyOf(file));
    if (existing) {
      // A character in the trash takes no new chats: it is restored (with its own) or purged first.
      if ((await store.characters.trash.idOf(userId, existing.id))?.trashId) {
        skip(file, 'is in the trash: restore it (or empty the trash) and import again');
        return null;
      }
      report.alreadyThere.characters += 1;
      return existing.id;
    }
    if (file.size > options.maxCardBytes) {
      skip(file, `larger than the card limit (${megabytes(options.maxCardBytes)}, limits.cardUploadMb)`);
      return null;
    }
    try {
      if (prepared.error !== undefined) throw prepared.error;
      // Not prepared when it was here then (and has gone since): read now.
      const upload = prepared.upload ?? (await cardUpload(await readFile(file.path), { fileName: file.fileName }));
      const record = await store.transaction((repos) =>
        createCharacter(repos, userId, { ...upload, sourceKey: sourceKeyOf(file) }, options.now()),
      );
      report.imported.characters += 1;
      return record.id;
    } catch (error) {
      const problem = fileProblem(error);
      if (problem === null) throw error;
      skip(file, problem);
      return null;
    }
  }

  async function importChat(characterId: string, character: ScannedCharacter, file: ScannedFile): Promise<void> {
    const sourceKey = `st:chat:${character.avatar}/${file.fileName}`;
    if (await store.chats.bySourceKey(userId, sourceKey)) {
      report.alreadyThere.chats += 1;
      return;
    }
    if (file.size > options.maxChatBytes) {
      skip(file, `larger than the chat import limit (${megabytes(options.maxChatBytes)}, limits.chatImportMb)`);
      return;
    }
    try {
      const title = file.fileName.replace(/\.jsonl$/i, '');
      const result = await importChatFile(
        store,
        { now: options.now },
        { userId, characterId, title, sourceKey, now: options.now() },
        createReadStream(file.path),
      );
      report.imported.chats += 1;
      report.imported.messages += result.imported;
      if (result.skippedLines.length > 0 || result.changedLines.length > 0) {
        report.partialChats.push({ path: rel(file), skippedLines: result.skippedLines, changedLines: result.changedLines });
      }
    } catch (error) {
      const problem = fileProblem(error);
      if (problem === null) throw error;
      skip(file, problem);
    }
  }

  async function importPersona(persona: ScannedPersona): Promise<void> {
    const input = CreatePersonaRequest.safeParse({
      id: personaIdOfAvatar(persona.avatarId),
      name: persona.name,
      description: persona.description,
      isDefault: persona.isDefault,
    });
    if (!input.success) {
      skip(`persona "${persona.name}"`, input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      return;
    }
    const avatar = persona.avatar ? await readPersonaAvatar(persona.avatar) : undefined;
    const { persona: record, created } = await createPersona(store, userId, input.data, options.now(), avatar);
    report[created ? 'imported' : 'alreadyThere'].personas += 1;
    // A persona an older run left without its picture gets it now.
    if (avatar && record.avatarHash === null) {
      await store.transaction(async (repos) => {
        const hash = await repos.blobs.put(avatar.bytes, avatar.mime, options.now());
        await repos.personas.setAvatar(userId, record.id, hash, options.now());
      });
    }
    await lockToCharacters(record.id, persona.details.connections);
  }

  /** SillyTavern (1.13+) connects a persona to characters by their card file; the first persona to claim one wins. */
  async function lockToCharacters(personaId: string, connections: unknown): Promise<void> {
    if (!Array.isArray(connections)) return;
    for (const connection of connections as { type?: unknown; id?: unknown }[]) {
      if (connection?.type !== 'character' || typeof connection.id !== 'string') continue;
      const character = await store.characters.bySourceKey(userId, `st:character:${connection.id}`);
      if (character && character.personaId === null) await store.characters.setPersona(userId, character.id, personaId, options.now());
    }
  }

  /** The persona's picture, or undefined (reported) when it cannot be used: the persona comes without it. */
  async function readPersonaAvatar(file: ScannedFile): Promise<{ bytes: Uint8Array; mime: string } | undefined> {
    if (file.size > options.maxCardBytes) {
      skip(file, `avatar larger than ${megabytes(options.maxCardBytes)} (limits.cardUploadMb)`);
      return undefined;
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file.path);
    } catch (error) {
      const problem = fileProblem(error);
      if (problem === null) throw error;
      skip(file, problem);
      return undefined;
    }
    const mime = await imageMimeType(bytes);
    if (!mime) {
      skip(file, 'not a PNG, JPEG, WebP or GIF image; the persona was imported without it');
      return undefined;
    }
    return { bytes, mime };
  }

  async function importSettings(): Promise<void> {
    const values = scan.settings;
    if (Object.keys(values).length === 0) return;
    const patch = { sillytavern: values };
    // The op id is the content's hash: the same settings imported again are a duplicate op, not a new revision.
    const opId = `st-settings-${sha256(JSON.stringify(patch)).slice(0, 40)}`;
    const result = await patchSettings(store, userId, opId, patch, options.now());
    if (result.status === 'applied') report.settingsImported = Object.keys(values);
  }
}
