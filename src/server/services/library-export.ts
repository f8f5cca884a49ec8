import { defaultAvatarPng } from '../formats/default-avatar.js';
import { writeSillyTavernSettings, type SettingsJsonPersona } from '../formats/write-sillytavern-settings.js';
import { ZipEntryNames } from '../formats/zip-entry-names.js';
import type { ZipEntry } from '../formats/zip-stream.js';
import type { Store } from '../store/store.js';
import type { User } from '../store/users-repository.js';
import { exportCard } from './characters.js';
import { exportChatFile } from './chat-files.js';

const EXTENSION_OF_MIME: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
};

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Everything of one user as a SillyTavern user folder, entry by entry for a zip: `characters/<name>.png`
 * (cards), `chats/<name>/<title>.jsonl`, personas as `User Avatars/*` plus `settings.json`, and Parley's own
 * settings whole in `parley-settings.json`. Unzipped, it imports back with `parley import-sillytavern`.
 * Each card is read when its entry is due and each chat is streamed, so the library is never held whole.
 */
export async function* libraryExportEntries(store: Store, user: User): AsyncGenerator<ZipEntry> {
  const names = new ZipEntryNames();
  for (const summary of await store.characters.list(user.id)) {
    const character = await store.characters.get(user.id, summary.id);
    if (!character) continue; // deleted while the export ran
    // SillyTavern finds a card's chats by the card's file name, so both use the same name.
    const avatar = names.claim('characters', character.name, '.png');
    yield { name: `characters/${avatar}.png`, compress: false, content: (await exportCard(store, character, 'png')).bytes };
    for (const chat of await store.chats.list(user.id, character.id)) {
      const title = names.claim(`chats/${avatar}`, chat.title, '.jsonl');
      yield {
        name: `chats/${avatar}/${title}.jsonl`,
        compress: true,
        content: exportChatFile(store, chat, { user: user.name, character: character.name }),
      };
    }
  }

  const personas: SettingsJsonPersona[] = [];
  for (const persona of await store.personas.list(user.id)) {
    const blob = persona.avatarHash ? await store.blobs.get(persona.avatarHash) : undefined;
    // SillyTavern knows a persona by its avatar file: one without a picture gets the plain default one.
    const stored = blob && EXTENSION_OF_MIME[blob.mime];
    const extension = stored || '.png';
    const image = stored ? blob.bytes : await defaultAvatarPng();
    const avatarId = `${names.claim('User Avatars', persona.name, extension)}${extension}`;
    yield { name: `User Avatars/${avatarId}`, compress: false, content: image };
    personas.push({ avatarId, name: persona.name, description: persona.description, isDefault: persona.isDefault });
  }

  const settings = await store.settings.get(user.id);
  yield {
    name: 'settings.json',
    compress: true,
    content: json(writeSillyTavernSettings(settings.values.sillytavern, personas, user.name)),
  };
  yield { name: 'parley-settings.json', compress: true, content: json(settings.values) };
}
