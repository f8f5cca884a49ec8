import { randomUUID } from 'node:crypto';
import type { ChatImportResponse } from '../../shared/api/chats.js';
import type { ChatFileHeader, ChatFileMessage } from '../formats/chat-file.js';
import { parseSillyTavernChat } from '../formats/parse-sillytavern-chat.js';
import type { ChunkSource } from '../formats/split-lines.js';
import { writeSillyTavernChat } from '../formats/write-sillytavern-chat.js';
import { ApiError } from '../http/api-error.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { Store } from '../store/store.js';
import { defaultChatTitle } from './chats.js';

export interface ChatFileImport {
  userId: string;
  characterId: string;
  /** The file's name without .jsonl, used as the title (SillyTavern names chats by their file). */
  title?: string | undefined;
  /** Set by a data-folder import: the same file imported again is found, not duplicated. */
  sourceKey?: string;
  now: number;
}

/**
 * Streams a SillyTavern JSONL chat into a new chat: the header first, then messages in batches, each batch
 * its own short transaction so a 100 MB file never holds the database. If the upload fails midway the
 * half-made chat is removed: an import lands whole or not at all.
 */
export async function importChatFile(store: Store, input: ChatFileImport, source: ChunkSource): Promise<ChatImportResponse> {
  const character = await store.characters.get(input.userId, input.characterId);
  if (!character) throw new ApiError('not_found', 'Character not found');
  const reader = await parseSillyTavernChat(source, { fallbackDate: new Date(input.now).toISOString() });
  const chat: ChatRecord = {
    id: randomUUID(),
    userId: input.userId,
    characterId: character.id,
    title: (input.title?.replace(/\u0000/g, '').trim().slice(0, 200) || '') || defaultChatTitle(character.name, input.now),
    revision: 0,
    messageCount: 0,
    nextSeq: 0,
    metadata: reader.header.metadata,
    imported: reader.header.imported,
    sourceKey: input.sourceKey ?? null,
    createdAt: reader.header.createdAt ? Date.parse(reader.header.createdAt) : input.now,
    updatedAt: input.now,
  };
  await store.chats.insert(chat);
  try {
    for await (const batch of reader.batches) {
      const rows = batch.map((m): MessageRecord => ({ ...toRecord(m), seq: chat.nextSeq++, revision: 1 }));
      await store.transaction((repos) => repos.chats.insertMessages(chat.id, rows));
    }
    chat.messageCount = chat.nextSeq;
    chat.revision = 1;
    await store.chats.saveHeader(chat);
  } catch (error) {
    await store.chats.delete(input.userId, chat.id);
    throw error;
  }
  return { id: chat.id, imported: chat.messageCount, skippedLines: reader.skippedLines };
}

function toRecord(m: ChatFileMessage): Omit<MessageRecord, 'seq' | 'revision'> {
  return {
    id: randomUUID(),
    role: m.role,
    name: m.name,
    content: m.content,
    swipes: m.swipes,
    swipeIndex: m.swipeIndex,
    extra: m.extra,
    imported: m.imported ?? null,
    status: 'complete',
    createdAt: Date.parse(m.createdAt),
  };
}

async function* fileMessages(store: Store, chatId: string): AsyncGenerator<ChatFileMessage> {
  for await (const m of store.chats.all(chatId)) {
    yield {
      role: m.role,
      name: m.name,
      content: m.content,
      swipes: m.swipes,
      swipeIndex: m.swipeIndex,
      createdAt: new Date(m.createdAt).toISOString(),
      extra: m.extra,
      ...(m.imported && { imported: m.imported }),
    };
  }
}

/** The chat as SillyTavern JSONL, streamed in pieces; an imported chat comes back as it came in. */
export function exportChatFile(store: Store, chat: ChatRecord, names: { user: string; character: string }) {
  const header: ChatFileHeader = {
    metadata: chat.metadata,
    userName: names.user,
    characterName: names.character,
    createdAt: new Date(chat.createdAt).toISOString(),
    ...(chat.imported && { imported: chat.imported }),
  };
  return writeSillyTavernChat(header, fileMessages(store, chat.id));
}
