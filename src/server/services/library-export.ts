import { regexSettingsOf } from '../../shared/api/regex-scripts.js';
import { defaultAvatarPng } from '../formats/default-avatar.js';
import { writeSillyTavernSettings, type SettingsJsonPersona } from '../formats/write-sillytavern-settings.js';
import { ZipEntryNames } from '../formats/zip-entry-names.js';
import type { ZipEntry } from '../formats/zip-stream.js';
import type { Repositories, Store } from '../store/store.js';
import { ApiError } from '../errors/api-error.js';
import type { User } from '../store/users-repository.js';
import { exportCard } from './characters.js';
import { choosePersona } from '../../shared/persona-choice.js';
import { exportChatFile } from './chat-files.js';
import { exportWorld } from './worlds.js';
import { groupExportEntries } from './group-export.js';
import { worldInfoSettingsOf } from '../../shared/api/world-info-settings.js';
import { isJsonObject } from '../formats/is-json-object.js';
import { sillyTavernWorldInfoSettings } from '../formats/write-sillytavern-world-info.js';
import { sillyTavernFormattingFiles } from '../formats/write-sillytavern-formatting.js';

const EXTENSION_OF_MIME: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
};

/**
 * The chosen characters' cards as zip entries `<name>.png`, in the order asked. Every id is checked before the
 * first byte goes out (a missing one is a 404, not a zip cut short); each card is read when its entry is due.
 */
export async function cardsExportEntries(repos: Repositories, userId: string, characterIds: readonly string[]): Promise<AsyncGenerator<ZipEntry>> {
  const ids = [...new Set(characterIds)];
  const found = new Set((await repos.characters.namesAndPictures(userId, ids)).map((c) => c.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw new ApiError('not_found', `Character ${missing} not found`, { characterId: missing });
  return (async function* () {
    const names = new ZipEntryNames();
    for (const id of ids) {
      const character = await repos.characters.get(userId, id);
      if (!character) continue; // deleted while the download ran
      yield { name: `${names.claim('', character.name, '.png')}.png`, compress: false, content: (await exportCard(repos, character, 'png')).bytes };
    }
  })();
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Everything of one user as a SillyTavern user folder, entry by entry for a zip: `characters/<name>.png`
 * (cards), `chats/<name>/<title>.jsonl`, groups as `groups/<id>.json` with `group chats/<title>.jsonl`, world-info books as `worlds/<name>.json`,
 * text completion's templates and presets as `instruct/`, `context/`, `TextGen Settings/`, `sysprompt/`, personas as `User Avatars/*` plus `settings.json`, and Parley's own
 * settings whole in `parley-settings.json`. Unzipped, it imports back with `parley import-sillytavern`.
 * Each card is read when its entry is due and each chat is streamed, so the library is never held whole.
 */
export async function* libraryExportEntries(store: Store, user: User): AsyncGenerator<ZipEntry> {
  const names = new ZipEntryNames();
  const characterFiles = new Map<string, string>();
  // Personas are named first: a chat's persona lock and a character's locked persona name their avatar files.
  const personas: (SettingsJsonPersona & { image: Uint8Array })[] = [];
  const avatarIdOf = new Map<string, string>();
  for (const persona of await store.personas.list(user.id)) {
    const blob = persona.avatarHash ? await store.blobs.get(persona.avatarHash) : undefined;
    // SillyTavern knows a persona by its avatar file: one without a picture gets the plain default one.
    const stored = blob && EXTENSION_OF_MIME[blob.mime];
    const extension = stored || '.png';
    const image = stored ? blob.bytes : await defaultAvatarPng();
    const avatarId = `${names.claim('User Avatars', persona.name, extension)}${extension}`;
    avatarIdOf.set(persona.id, avatarId);
    personas.push({ avatarId, name: persona.name, description: persona.description, isDefault: persona.isDefault, characters: [], image });
  }
  const personaAvatarId = (id: string) => avatarIdOf.get(id);
  const personaRecords = await store.personas.list(user.id);

  for (const summary of await store.characters.list(user.id)) {
    const character = await store.characters.get(user.id, summary.id);
    if (!character) continue; // deleted while the export ran
    // SillyTavern finds a card's chats by the card's file name, so both use the same name.
    const avatar = names.claim('characters', character.name, '.png');
    characterFiles.set(character.id, avatar);
    yield { name: `characters/${avatar}.png`, compress: false, content: (await exportCard(store, character, 'png')).bytes };
    const locked = character.personaId ? avatarIdOf.get(character.personaId) : undefined;
    if (locked) personas.find((p) => p.avatarId === locked)?.characters?.push(`${avatar}.png`);
    const chats = await store.chats.list(user.id, { characterId: character.id });
    // Names first: a branch's main_chat names its parent's file as written.
    const fileTitles = new Map(chats.map((chat) => [chat.id, names.claim(`chats/${avatar}`, chat.title, '.jsonl')]));
    for (const chat of chats) {
      const parentTitle = chat.branch ? fileTitles.get(chat.branch.parentChatId) : undefined;
      const speaker = choosePersona(personaRecords, { chat: chat.personaId, character: character.personaId })?.persona.name ?? user.name;
      yield {
        name: `chats/${avatar}/${fileTitles.get(chat.id)!}.jsonl`,
        compress: true,
        content: exportChatFile(store, chat, { user: speaker, character: character.name, parentTitle }, personaAvatarId),
      };
    }
  }

  yield* groupExportEntries(store, user, names, characterFiles, personaAvatarId);

  // Books link by name, as in SillyTavern, whose book names are their file names.
  for (const world of await store.worlds.list(user.id)) {
    const file = names.claim('worlds', world.name, '.json');
    yield { name: `worlds/${file}.json`, compress: true, content: (await exportWorld(store, user.id, world.id)).text };
  }

  for (const { avatarId, image } of personas) yield { name: `User Avatars/${avatarId}`, compress: false, content: image };
  const settings = await store.settings.get(user.id);
  const formatting = sillyTavernFormattingFiles(settings.values, names);
  yield* formatting.entries;
  const worldInfo = worldInfoSettingsOf(settings.values);
  const settingsJson = writeSillyTavernSettings(settings.values.sillytavern, personas, user.name);
  settingsJson.world_info_settings = sillyTavernWorldInfoSettings(worldInfo, characterFiles);
  // Global regex scripts, and the cards allowed to run theirs (SillyTavern names a card by its file).
  const regex = regexSettingsOf(settings.values);
  settingsJson.extension_settings = {
    regex: regex.scripts,
    character_allowed_regex: regex.allowedCharacters.flatMap((id) => (characterFiles.has(id) ? [`${characterFiles.get(id)}.png`] : [])),
  };
  // A persona's book is its description's `lorebook` in SillyTavern.
  const powerUser = settingsJson.power_user;
  const descriptions = isJsonObject(powerUser) && isJsonObject(powerUser.persona_descriptions) ? powerUser.persona_descriptions : {};
  for (const [personaId, avatarId] of avatarIdOf) {
    const book = worldInfo.personaBooks[personaId];
    const description = descriptions[avatarId];
    if (book && isJsonObject(description)) description.lorebook = book;
  }
  // The defaults by file name, where SillyTavern keeps its selections.
  const { selected } = formatting;
  const section = (value: unknown) => (isJsonObject(value) ? value : {});
  if (isJsonObject(powerUser)) {
    if (selected.instruct) powerUser.instruct = { ...section(powerUser.instruct), preset: selected.instruct };
    if (selected.context) powerUser.context = { ...section(powerUser.context), preset: selected.context };
    if (selected.sysprompt) powerUser.sysprompt = { ...section(powerUser.sysprompt), name: selected.sysprompt };
  }
  if (selected.textgen) settingsJson.textgenerationwebui_settings = { ...section(settingsJson.textgenerationwebui_settings), preset: selected.textgen };
  yield { name: 'settings.json', compress: true, content: json(settingsJson) };
  yield { name: 'parley-settings.json', compress: true, content: json(settings.values) };
}
