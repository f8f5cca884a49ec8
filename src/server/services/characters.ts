import { randomUUID } from 'node:crypto';
import type { Card, Character, CharacterSummary } from '../../shared/api/characters.js';
import type { CharacterListRow, CharacterRecord } from '../store/characters-repository.js';
import type { Repositories } from '../store/store.js';
import { defaultAvatarPng } from '../formats/default-avatar.js';
import { makeThumbnail } from '../formats/make-thumbnail.js';
import { readCardFile, type CardFileHint } from '../formats/read-card-file.js';
import { writeCardJson, writeCardPng } from '../formats/write-card.js';

const iso = (ms: number) => new Date(ms).toISOString();

// The hash in the URL makes it immutable: browsers may cache an avatar forever and still see a new one.
const imageUrl = (id: string, kind: 'avatar' | 'thumbnail', hash: string | null) =>
  hash ? `/api/characters/${id}/${kind}?v=${hash.slice(0, 16)}` : null;

export function characterView(c: CharacterRecord): Character {
  return { id: c.id, card: c.card, avatarUrl: imageUrl(c.id, 'avatar', c.avatarHash), updatedAt: iso(c.updatedAt) };
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
  };
}

/** What the list shows and searches by, derived from the card so it can never disagree with it. */
export function listFieldsOf(card: Card) {
  return {
    name: card.data.name,
    tags: (card.data.tags ?? []).filter((t): t is string => typeof t === 'string'),
    creator: typeof card.data.creator === 'string' ? card.data.creator : '',
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
    createdAt: now,
    updatedAt: now,
  };
  await repos.characters.insert(record);
  return record;
}

/** Reads a card file and prepares its avatar and thumbnail; throws CardFormatError on a bad file. */
export async function cardUpload(bytes: Uint8Array, hint: CardFileHint): Promise<NewCharacter> {
  const { card, image } = readCardFile(bytes, hint);
  if (!image) return { card };
  const thumbnail = await makeThumbnail(image);
  return { card, avatar: { png: image, thumbnail: thumbnail.resized ? thumbnail : null } };
}

export async function exportCard(repos: Repositories, record: CharacterRecord, format: 'png' | 'json') {
  if (format === 'json') return { bytes: Buffer.from(writeCardJson(record.card)), type: 'application/json' };
  const avatar = record.avatarHash ? await repos.blobs.get(record.avatarHash) : undefined;
  const image = avatar?.mime === 'image/png' ? avatar.bytes : await defaultAvatarPng();
  return { bytes: Buffer.from(writeCardPng(image, record.card)), type: 'image/png' };
}
