import { readAvatarImage } from '../formats/avatar-image.js';
import { makeThumbnail } from '../formats/make-thumbnail.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { PersonaRecord } from '../store/personas-repository.js';
import type { Store } from '../store/store.js';

const notAnImage = () =>
  new ApiError('invalid_request', 'The file is not a PNG, JPEG, WebP or GIF image', { field: 'file', reason: 'not_an_image' });

/**
 * Gives a character a new picture: stored as a PNG (the card is exported inside it) with a fresh thumbnail for the
 * library. The card is untouched; the avatar URL changes with the image, so every page sees the new one.
 */
export async function setCharacterAvatar(store: Store, userId: string, id: string, upload: Uint8Array, now: number): Promise<CharacterRecord> {
  if (!(await store.characters.get(userId, id))) throw notFound('Character');
  const image = await readAvatarImage(upload, { png: true });
  if (!image) throw notAnImage();
  const thumbnail = await makeThumbnail(image.bytes);
  return store.transaction(async (repos) => {
    const avatarHash = await repos.blobs.put(image.bytes, image.mime, now);
    const thumbnailHash = thumbnail.resized ? await repos.blobs.put(thumbnail.data, thumbnail.mimeType, now) : null;
    if (!(await repos.characters.setAvatar(userId, id, avatarHash, thumbnailHash, now))) throw notFound('Character');
    return (await repos.characters.get(userId, id))!;
  });
}

/** Gives a persona a picture, kept in the format it came in (SillyTavern's User Avatars take any of them). */
export async function setPersonaAvatar(store: Store, userId: string, id: string, upload: Uint8Array, now: number): Promise<PersonaRecord> {
  if (!(await store.personas.get(userId, id))) throw notFound('Persona');
  const image = await readAvatarImage(upload, { png: false });
  if (!image) throw notAnImage();
  return store.transaction(async (repos) => {
    const hash = await repos.blobs.put(image.bytes, image.mime, now);
    await repos.personas.setAvatar(userId, id, hash, now);
    const persona = await repos.personas.get(userId, id);
    if (!persona) throw notFound('Persona');
    return persona;
  });
}
