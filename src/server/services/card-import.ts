import type { CardImportQuery, DuplicateCardDetails } from '../../shared/api/characters.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { Store } from '../store/store.js';
import { characterSummaryView, createCharacter, listFieldsOf, type NewCharacter } from './characters.js';

/**
 * Puts an uploaded card into the library. A card whose name is already there is added beside it (`keep`), refused
 * with the characters it matches so the user can choose (`ask`: 409 `conflict`, details DuplicateCardDetails), or
 * put in place of one of them (`replace`): the card and its picture change, its id, chats and locked persona stay.
 * A replacing card without a picture (a .json) keeps the old one.
 */
export async function importCard(
  store: Store,
  userId: string,
  upload: NewCharacter,
  query: CardImportQuery,
  now: number,
): Promise<{ record: CharacterRecord; replaced: boolean }> {
  if (query.replace) return { record: await replaceCharacter(store, userId, query.replace, upload, now), replaced: true };
  return store.transaction(async (repos) => {
    if (query.ifExists === 'ask') {
      const name = upload.card.data.name;
      const existing = await repos.characters.withName(userId, name);
      if (existing.length > 0) {
        const details: DuplicateCardDetails = {
          reason: 'already_in_library',
          name,
          existing: existing.map((c) => {
            const { id, avatarUrl } = characterSummaryView({ ...c, chatCount: 0, latestChatId: null, lastChatAt: null });
            return { id, name: c.name, avatarUrl };
          }),
        };
        throw new ApiError('conflict', `A character named “${name}” is already in your library: replace it, or keep both.`, details);
      }
    }
    return { record: await createCharacter(repos, userId, upload, now), replaced: false };
  });
}

async function replaceCharacter(store: Store, userId: string, id: string, upload: NewCharacter, now: number): Promise<CharacterRecord> {
  return store.transaction(async (repos) => {
    const current = await repos.characters.get(userId, id);
    if (!current) throw notFound('Character');
    const avatar = upload.avatar;
    const avatarHash = avatar ? await repos.blobs.put(avatar.png, 'image/png', now) : current.avatarHash;
    const thumbnailHash = avatar
      ? avatar.thumbnail
        ? await repos.blobs.put(avatar.thumbnail.data, avatar.thumbnail.mimeType, now)
        : null
      : current.thumbnailHash;
    await repos.characters.replaceContent(userId, id, {
      ...listFieldsOf(upload.card),
      card: upload.card,
      avatarHash,
      thumbnailHash,
      updatedAt: now,
    });
    return (await repos.characters.get(userId, id))!;
  });
}
