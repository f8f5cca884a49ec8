import { randomUUID } from 'node:crypto';
import { isFavourite, type Card, type Character, type CharacterSummary } from '../../shared/api/characters.js';
import type { CharacterListRow, CharacterRecord } from '../store/characters-repository.js';
import type { Repositories } from '../store/store.js';
import { notFound } from '../errors/api-error.js';
import { defaultAvatarPng } from '../formats/default-avatar.js';
import { makeThumbnail } from '../formats/make-thumbnail.js';
import { readCardFile, type CardFileHint } from '../formats/read-card-file.js';
import { writeCardJson, writeCardPng } from '../formats/write-card.js';

const iso = (ms: number) => new Date(ms).toISOString();

// The hash in the URL makes it immutable: browsers may cache an avatar forever and still see a new one.
export const imageUrl = (id: string, kind: 'avatar' | 'thumbnail', hash: string | null) =>
  hash ? `/api/characters/${id}/${kind}?v=${hash.slice(0, 16)}` : null;

export function characterView(c: CharacterRecord): Character {
  return {
    id: c.id,
    card: c.card,
    avatarUrl: imageUrl(c.id, 'avatar', c.avatarHash),
    personaId: c.personaId,
    updatedAt: iso(c.updatedAt),
  };
}

export function characterSummaryView(c: CharacterListRow): CharacterSummary {
  return {
    id: c.id,
    name: c.name,
    avatarUrl: imageUrl(c.id, 'avatar', c.avatarHash),
    thumbnailUrl: imageUrl(c.id, 'thumbnail', c.thumbnailHash ?? c.avatarHash),
    tags: c.tags,
    creator: c.creator,
    updatedAt: iso(c.updatedAt),
    chatCount: c.chatCount,
    favourite: c.favourite,
    createdAt: iso(c.createdAt),
    latestChatId: c.latestChatId,
    lastChatAt: c.lastChatAt === null ? null : iso(c.lastChatAt),
  };
}

/** What the list shows and searches by, derived from the card so it can never disagree with it. */
export function listFieldsOf(card: Card) {
  return {
    name: card.data.name,
    tags: (card.data.tags ?? []).filter((t): t is string => typeof t === 'string'),
    creator: typeof card.data.creator === 'string' ? card.data.creator : '',
    favourite: isFavourite(card),
  };
}

export interface NewCharacter {
  card: Card;
  avatar?: { png: Uint8Array; thumbnail: { data: Uint8Array; mimeType: string } | null } | null;
  sourceKey?: string | null;
}

export async function createCharacter(repos: Repositories, userId: string, input: NewCharacter, now: number) {
  const avatarHash = input.avatar ? await repos.blobs.put(input.avatar.png, 'image/png', now) : null;
  const thumbnail = input.avatar?.thumbnail;
  const thumbnailHash = thumbnail ? await repos.blobs.put(thumbnail.data, thumbnail.mimeType, now) : null;
  const record: CharacterRecord = {
    id: randomUUID(),
    userId,
    ...listFieldsOf(input.card),
    card: input.card,
    avatarHash,
    thumbnailHash,
    sourceKey: input.sourceKey ?? null,
    personaId: null,
    createdAt: now,
    updatedAt: now,
  };
  await repos.characters.insert(record);
  return record;
}

/** Reads a card file and prepares its avatar and thumbnail; throws CardFormatError on a bad file. */
export async function cardUpload(bytes: Uint8Array, hint: CardFileHint): Promise<NewCharacter & { changed: string[] }> {
  const { card, image, changed } = readCardFile(bytes, hint);
  if (!image) return { card, changed };
  const thumbnail = await makeThumbnail(image);
  return { card, avatar: { png: image, thumbnail: thumbnail.resized ? thumbnail : null }, changed };
}

export async function exportCard(repos: Repositories, record: CharacterRecord, format: 'png' | 'json') {
  if (format === 'json') return { bytes: Buffer.from(writeCardJson(record.card)), type: 'application/json' };
  const avatar = record.avatarHash ? await repos.blobs.get(record.avatarHash) : undefined;
  const image = avatar?.mime === 'image/png' ? avatar.bytes : await defaultAvatarPng();
  return { bytes: Buffer.from(writeCardPng(image, record.card)), type: 'image/png' };
}

/**
 * A copy of a character as SillyTavern's "duplicate" makes it: the same card (name included) and picture, as a new
 * character with no chats; the copy starts unlocked from any persona.
 */
export async function duplicateCharacter(repos: Repositories, userId: string, id: string, now: number): Promise<CharacterRecord> {
  const source = await repos.characters.get(userId, id);
  if (!source) throw notFound('Character');
  const copy: CharacterRecord = {
    ...source,
    id: randomUUID(),
    card: structuredClone(source.card),
    sourceKey: null,
    personaId: null,
    createdAt: now,
    updatedAt: now,
  };
  await repos.characters.insert(copy);
  return copy;
}

/** Marks the card a favourite or not where SillyTavern keeps the mark: `data.extensions.fav`. */
export async function setFavourite(repos: Repositories, userId: string, id: string, favourite: boolean, now: number): Promise<CharacterRecord> {
  const record = await repos.characters.get(userId, id);
  if (!record) throw notFound('Character');
  const card: Card = { ...record.card, data: { ...record.card.data, extensions: { ...record.card.data.extensions, fav: favourite } } };
  if (!(await repos.characters.update(userId, id, { ...listFieldsOf(card), card, updatedAt: now }))) throw notFound('Character');
  return { ...record, card, favourite, updatedAt: now };
}

/**
 * Adds and/or removes one tag on each of the user's characters named (the card's `data.tags`, as SillyTavern
 * keeps them). Ids that are not the user's are passed over; a card already as asked is not written. Returns how
 * many changed.
 */
export async function tagCharacters(
  repos: Repositories,
  userId: string,
  ids: readonly string[],
  change: { add?: string | undefined; remove?: string | undefined },
  now: number,
): Promise<number> {
  let changed = 0;
  for (const id of new Set(ids)) {
    const record = await repos.characters.get(userId, id);
    if (!record) continue;
    const before = Array.isArray(record.card.data.tags) ? record.card.data.tags : [];
    let tags = change.remove === undefined ? before : before.filter((tag) => tag !== change.remove);
    if (change.add !== undefined && !tags.includes(change.add)) tags = [...tags, change.add];
    if (tags.length === before.length && tags.every((tag, i) => tag === before[i])) continue;
    const card: Card = { ...record.card, data: { ...record.card.data, tags } };
    if (await repos.characters.update(userId, id, { ...listFieldsOf(card), card, updatedAt: now })) changed += 1;
  }
  return changed;
}
