import { randomUUID } from 'node:crypto';
import type { ChatImportResponse } from '../../shared/api/chats.js';
import { cutText } from '../../shared/cut-text.js';
import type { ChatFileHeader, ChatFileMessage } from '../formats/chat-file.js';
import { parseSillyTavernChat } from '../formats/parse-sillytavern-chat.js';
import type { ChunkSource } from '../formats/split-lines.js';
import { writeSillyTavernChat } from '../formats/write-sillytavern-chat.js';
import { ApiError } from '../errors/api-error.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import { personaIdOfAvatar } from '../formats/sillytavern-persona-id.js';
import type { Store } from '../store/store.js';
import { defaultChatTitle } from './chats.js';
import type { Clock } from '../clock.js';
import { ImportLease, importGone, refuseIfImportingSource } from './import-leases.js';
import { findImportForks, linkImportedChat, MAIN_CHAT_KEY } from './branches.js';
import { ascendingIds } from './ascending-ids.js';
import { groupFileSpeakers, withSpeakerKeys, type GroupFileSpeakers } from './group-chat-files.js';

export interface ChatFileImport {
  userId: string;
  /** A 1:1 chat's character, or (instead) a group chat's group; exactly one. */
  characterId?: string | undefined;
  groupId?: string | undefined;
  /** The file's name without .jsonl, used as the title (SillyTavern names chats by their file). */
  title?: string | undefined;
  /**
   * The parent's file name found outside the file (an older SillyTavern group file's `past_metadata`), used when the
   * file's own metadata names none.
   */
  mainChat?: string | undefined;
  /** Set by a data-folder import: the same file imported again is found, not duplicated. */
  sourceKey?: string;
  now: number;
}

/**
 * Streams a SillyTavern JSONL chat into a new chat: the header first, then messages in batches, each batch its own
 * short transaction so a 100 MB file never holds the database. Until the last transaction the chat carries an
 * import lease (see import-leases.ts): no one sees it or writes to it, and if the import fails, or its process
 * dies, the half-made chat is removed. An import lands whole or not at all.
 */
export async function importChatFile(store: Store, clock: Clock, input: ChatFileImport, source: ChunkSource): Promise<ChatImportResponse> {
  const group = input.groupId ? await store.groups.get(input.userId, input.groupId) : undefined;
  const character = !input.groupId && input.characterId ? await store.characters.get(input.userId, input.characterId) : undefined;
  if (input.groupId && !group) throw new ApiError('not_found', 'Group not found');
  if (!group && !character) throw new ApiError('not_found', 'Character not found');
  // Group chats: each reply's speaker is found from the file (services/group-chat-files.ts).
  const speakers = group ? await groupFileSpeakers(store, input.userId, group) : null;
  const reader = await parseSillyTavernChat(source, { fallbackDate: new Date(input.now).toISOString(), headerOptional: group !== undefined });
  if (input.sourceKey !== undefined) await refuseIfImportingSource(store, input.userId, input.sourceKey, clock.now());
  const chat: ChatRecord = {
    id: randomUUID(),
    userId: input.userId,
    characterId: character?.id ?? null,
    groupId: group?.id ?? null,
    title: cutText(input.title?.replace(/\u0000/g, '').trim() ?? '', 200) || defaultChatTitle((group ?? character)!.name, input.now),
    revision: 0,
    messageCount: 0,
    nextSeq: 0,
    metadata:
      input.mainChat && reader.header.metadata[MAIN_CHAT_KEY] === undefined
        ? { ...reader.header.metadata, [MAIN_CHAT_KEY]: input.mainChat }
        : reader.header.metadata,
    imported: reader.header.imported,
    sourceKey: input.sourceKey ?? null,
    personaId: chatPersonaOf(reader.header.metadata),
    createdAt: reader.header.createdAt ? Date.parse(reader.header.createdAt) : input.now,
    updatedAt: input.now,
    branch: null,
  };
  const nextId = ascendingIds(input.now);
  const lease = await ImportLease.take(store, clock, chat.id, (until) => store.chats.insert(chat, until));
  // Each batch is one transaction that renews the lease and inserts the rows. Relaxed commits: the batches are
  // invisible until finishImport, whose durable commit makes them durable too (the log is synced up to it); a crash
  // before it leaves an unfinished import, which is swept. One disk sync per import instead of one per batch.
  const writeBatch = async (rows: MessageRecord[]) => {
    const inserts = store.chats.insertMessagesQueries(chat.id, rows).map((query) => ({ query }));
    if (!(await store.relaxedWrites([lease.renewal(), ...inserts]))) throw importGone();
  };
  // The batch before, being written (on SQLite, on a thread of its own) while the next one is parsed.
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const batch of reader.batches) {
      const rows = batch.map((m, i) => toRecord(m, nextId(), chat.nextSeq + i, speakers?.speakerOf(m) ?? null));
      await writing;
      writing = writeBatch(rows);
      // Its failure is thrown by the next await of it, not reported as unhandled meanwhile.
      writing.catch(() => undefined);
      chat.nextSeq += rows.length;
    }
    await writing;
    chat.messageCount = chat.nextSeq;
    chat.revision = 1;
    const forks = await findImportForks(store, chat);
    await store.transaction(async (repos) => {
      // Its character or group went to the trash while the file was read: the chat goes with it (and comes back
      // with its restore), rather than stay in use under an owner in the trash and be purged with it unseen.
      const owner = group ? await repos.groups.trash.lock(input.userId, group.id) : await repos.characters.trash.lock(input.userId, character!.id);
      if (!(await repos.chats.finishImport(chat))) throw importGone();
      if (owner?.trashId) await repos.chats.setTrash(input.userId, { chatId: chat.id }, owner.trashId);
      // A SillyTavern branch or checkpoint (chat_metadata.main_chat) joins its parent's tree, in either import order.
      await linkImportedChat(repos, chat, forks);
    });
  } catch (error) {
    await writing.catch(() => undefined);
    await store.chats.deleteImporting(chat.id).catch(() => undefined);
    throw error;
  } finally {
    lease.release();
  }
  return { id: chat.id, imported: chat.messageCount, skippedLines: reader.skippedLines, changedLines: reader.changedLines };
}

/** SillyTavern locks a chat to a persona by naming its avatar in `chat_metadata.persona`. */
function chatPersonaOf(metadata: Record<string, unknown>): string | null {
  return typeof metadata.persona === 'string' && metadata.persona !== '' ? personaIdOfAvatar(metadata.persona) : null;
}

/**
 * The header's chat_metadata with the chat's persona as SillyTavern names it: an imported lock that still holds is
 * written back as it came; another persona is named by `avatarIdOf` (the export's file name for it), or left out
 * when the export has no file for it, so SillyTavern falls back to its own default.
 */
function exportedMetadata(
  chat: ChatRecord,
  avatarIdOf: (personaId: string) => string | undefined,
  parentTitle: string | undefined,
): Record<string, unknown> {
  const { personaId } = chat;
  // A branch names its parent as the parent is called now (it may have been renamed since the branch).
  const metadata = parentTitle === undefined ? chat.metadata : { ...chat.metadata, [MAIN_CHAT_KEY]: parentTitle };
  if (chatPersonaOf(metadata) === personaId) return metadata;
  const { persona: _previous, ...rest } = metadata;
  const avatarId = personaId ? avatarIdOf(personaId) : undefined;
  return avatarId ? { ...rest, persona: avatarId } : rest;
}

function toRecord(m: ChatFileMessage, id: string, seq: number, speakerId: string | null): MessageRecord {
  return {
    seq,
    id,
    role: m.role,
    name: m.name,
    content: m.content,
    swipes: m.swipes,
    swipeIndex: m.swipeIndex,
    extra: m.extra,
    imported: m.imported ?? null,
    status: 'complete',
    revision: 1,
    hidden: m.hidden,
    bookmarkedAt: null,
    createdAt: Date.parse(m.createdAt),
    speakerId,
  };
}

async function* fileMessages(store: Store, chatId: string, speakers: GroupFileSpeakers | null): AsyncGenerator<ChatFileMessage> {
  for await (const m of store.chats.all(chatId)) {
    const file: ChatFileMessage = {
      role: m.role,
      name: m.name,
      content: m.content,
      swipes: m.swipes,
      swipeIndex: m.swipeIndex,
      createdAt: new Date(m.createdAt).toISOString(),
      extra: m.extra,
      hidden: m.hidden,
      ...(m.imported && { imported: m.imported }),
    };
    yield speakers ? withSpeakerKeys(file, m, speakers) : file;
  }
}

/**
 * The chat as SillyTavern JSONL, streamed in pieces; an imported chat comes back as it came in. `personaAvatarId`
 * names the file a persona has in the same export (the library export), for the chat's persona lock.
 */
export function exportChatFile(
  store: Store,
  chat: ChatRecord,
  names: { user: string; character: string; parentTitle?: string | undefined },
  personaAvatarId: (personaId: string) => string | undefined = () => undefined,
  /** Group chats: how replies name their member (SillyTavern's original_avatar). */
  speakers: GroupFileSpeakers | null = null,
) {
  const header: ChatFileHeader = {
    metadata: exportedMetadata(chat, personaAvatarId, names.parentTitle),
    userName: names.user,
    characterName: names.character,
    createdAt: new Date(chat.createdAt).toISOString(),
    ...(chat.imported && { imported: chat.imported }),
  };
  return writeSillyTavernChat(header, fileMessages(store, chat.id, speakers));
}
