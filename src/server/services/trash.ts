import { randomUUID } from 'node:crypto';
import type { TrashItem } from '../../shared/api/trash.js';
import { cutText } from '../../shared/cut-text.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { chatScope, worldScope } from '../store/applied-ops-repository.js';
import type { ChatOwner, ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { Repositories, Store } from '../store/store.js';
import type { TrashEntry, TrashKind } from '../store/trash-repository.js';
import { stillImporting } from './import-leases.js';

const DAY_MS = 86_400_000;
/** Entries purged per transaction by the sweep and by emptying: a huge trash never holds the database long. */
const PURGE_BATCH = 50;
/** At most this many batches per sweep or empty call; the next hourly sweep (or click) goes on. */
const PURGE_ROUNDS = 200;

/** When a deletion is made and how long it is kept (config `trashDays`). */
export interface TrashClock {
  now: number;
  days: number;
}

const label = (text: string) => (text.length > 120 ? `${cutText(text, 119)}…` : text);

function newEntry(userId: string, kind: TrashKind, itemId: string, chatId: string | null, text: string, at: TrashClock): TrashEntry {
  return { id: randomUUID(), userId, kind, itemId, chatId, label: label(text), deletedAt: at.now, expiresAt: at.now + at.days * DAY_MS };
}

/** Moves a message out of its chat into the trash, every column kept; the caller updates the chat's header. */
export async function trashMessage(repos: Repositories, chat: ChatRecord, message: MessageRecord, at: TrashClock): Promise<string> {
  const entry = newEntry(chat.userId, 'message', message.id, chat.id, `${message.name}: ${message.content}`, at);
  await repos.trash.insert(entry);
  await repos.trash.putMessage(entry.id, chat.id, message);
  await repos.chats.deleteMessage(chat.id, message.seq);
  return entry.id;
}

/** Marks a chat as in the trash: it disappears from lists and reads, its rows untouched. */
export async function trashChat(repos: Repositories, userId: string, chatId: string, at: TrashClock): Promise<void> {
  const chat = await repos.chats.lockForWrite(userId, chatId);
  if (!chat) throw (await repos.chats.isImporting(userId, chatId)) ? stillImporting() : notFound('Chat');
  const entry = newEntry(userId, 'chat', chat.id, chat.id, chat.title, at);
  await repos.trash.insert(entry);
  await repos.chats.setTrash(userId, { chatId }, entry.id);
}

/** A character goes to the trash with its chats still in use; a restore brings back exactly those. */
export async function trashCharacter(repos: Repositories, userId: string, characterId: string, at: TrashClock): Promise<void> {
  const character = await repos.characters.get(userId, characterId);
  if (!character) throw notFound('Character');
  const entry = newEntry(userId, 'character', character.id, null, character.name, at);
  await repos.trash.insert(entry);
  if (!(await repos.characters.trash.put(userId, characterId, entry.id))) throw notFound('Character');
  await repos.chats.setTrash(userId, { characterId }, entry.id);
}

/** A group goes to the trash with its chats still in use (its characters stay); a restore brings back exactly those. */
export async function trashGroup(repos: Repositories, userId: string, groupId: string, at: TrashClock): Promise<void> {
  const group = await repos.groups.get(userId, groupId);
  if (!group) throw notFound('Group');
  const entry = newEntry(userId, 'group', group.id, null, group.name, at);
  await repos.trash.insert(entry);
  if (!(await repos.groups.trash.put(userId, groupId, entry.id))) throw notFound('Group');
  await repos.chats.setTrash(userId, { groupId }, entry.id);
}

export async function trashWorld(repos: Repositories, userId: string, worldId: string, at: TrashClock): Promise<void> {
  const world = await repos.worlds.get(userId, worldId);
  if (!world) throw notFound('Book');
  const entry = newEntry(userId, 'world', world.id, null, world.name, at);
  await repos.trash.insert(entry);
  if (!(await repos.worlds.setTrash(userId, worldId, entry.id))) throw notFound('Book');
}

export interface Restored {
  kind: TrashKind;
  itemId: string;
  chatId: string | null;
  /** For a message: the chat's revision after it came back. */
  revision?: number;
}

/** Puts an entry's item back as it was: same ids, seqs, swipes, revisions. */
export async function restoreFromTrash(repos: Repositories, userId: string, trashId: string, now: number): Promise<Restored> {
  const found = await repos.trash.get(userId, trashId);
  if (!found) throw notFound('Trash entry');
  const restored: Restored = { kind: found.kind, itemId: found.itemId, chatId: found.chatId };
  if (found.kind === 'message') {
    // The chat's lock first, as an undo of the delete takes it; restoreMessageInto then claims the entry.
    const chat = await repos.chats.lockForWrite(userId, found.chatId ?? '');
    if (!chat) throw new ApiError('conflict', 'Its chat is in the trash or gone: restore the chat first.');
    restored.revision = await restoreMessageInto(repos, chat, found.id, now);
    await repos.chats.saveHeader(chat);
    return restored;
  }
  // Held from here on: a purge of it meanwhile waits, then finds it gone; one that came first leaves nothing here.
  const entry = await repos.trash.claim(userId, trashId);
  if (!entry) throw notFound('Trash entry');
  switch (entry.kind) {
    case 'chat': {
      const chat = await repos.chats.getAny(userId, entry.itemId);
      if (chat?.characterId && (await repos.characters.trash.idOf(userId, chat.characterId))?.trashId) {
        throw new ApiError('conflict', 'Its character is in the trash: restore the character first.');
      }
      if (chat?.groupId && (await repos.groups.trash.idOf(userId, chat.groupId))?.trashId) {
        throw new ApiError('conflict', 'Its group is in the trash: restore the group first.');
      }
      await repos.chats.releaseTrash(entry.id);
      break;
    }
    case 'character':
      await repos.characters.trash.release(entry.id);
      await repos.chats.releaseTrash(entry.id);
      break;
    case 'group':
      await repos.groups.trash.release(entry.id);
      await repos.chats.releaseTrash(entry.id);
      break;
    case 'world': {
      await repos.worlds.releaseTrash(entry.id);
      break;
    }
  }
  await repos.trash.remove(entry.id);
  return restored;
}

/**
 * Puts a trashed message back into the locked chat at its own seq, and drops its entry; the chat's count and
 * revision move (the caller saves the header). Returns the new chat revision.
 */
export async function restoreMessageInto(repos: Repositories, chat: ChatRecord, trashId: string, now: number): Promise<number> {
  const kept = await repos.trash.message(trashId);
  if (!kept || kept.chatId !== chat.id) throw notFound('Trash entry');
  if (await repos.chats.message(chat.id, kept.message.id)) throw new ApiError('conflict', 'A message with that id is back in the chat already.');
  await repos.chats.insertMessages(chat.id, [kept.message]);
  await repos.trash.remove(trashId);
  chat.messageCount += 1;
  chat.revision += 1;
  chat.updatedAt = now;
  return chat.revision;
}

/**
 * Deletes an entry's item for good; false when a restore (or another purge) took the entry first. The entry's row
 * goes first: that waits for a restore holding it (see TrashRepository.claim), so a restored item is never purged.
 */
async function purge(repos: Repositories, entry: TrashEntry): Promise<boolean> {
  if (!(await repos.trash.remove(entry.id))) return false;
  switch (entry.kind) {
    case 'message':
      break;
    case 'chat':
      await repos.chats.delete(entry.userId, entry.itemId);
      await repos.appliedOps.forgetScope(chatScope(entry.itemId));
      break;
    case 'character':
      // Its chats go with it (foreign key), the trash entries of their messages with them; their op ids are forgotten.
      await forgetChatsOf(repos, entry.userId, { characterId: entry.itemId });
      await repos.characters.delete(entry.userId, entry.itemId);
      break;
    case 'group':
      await forgetChatsOf(repos, entry.userId, { groupId: entry.itemId });
      await repos.groups.delete(entry.userId, entry.itemId);
      break;
    case 'world':
      await repos.worlds.delete(entry.userId, entry.itemId);
      await repos.appliedOps.forgetScope(worldScope(entry.itemId));
      break;
  }
  return true;
}

async function forgetChatsOf(repos: Repositories, userId: string, owner: ChatOwner): Promise<void> {
  for (const chatId of await repos.chats.idsOf(userId, owner)) await repos.appliedOps.forgetScope(chatScope(chatId));
}

/** Purges entries a batch per transaction, bounded in rounds; returns how many went. */
async function purgeBatches(store: Store, next: (repos: Repositories) => Promise<TrashEntry[]>): Promise<number> {
  let purged = 0;
  for (let round = 0; round < PURGE_ROUNDS; round++) {
    const { seen, gone } = await store.transaction(async (repos) => {
      const entries = await next(repos);
      let gone = 0;
      for (const entry of entries) if (await purge(repos, entry)) gone += 1;
      return { seen: entries.length, gone };
    });
    purged += gone;
    if (seen < PURGE_BATCH) break;
  }
  return purged;
}

/** Emptying the trash: explicit, the user's own entries only. */
export function emptyTrash(store: Store, userId: string): Promise<number> {
  return purgeBatches(store, (repos) => repos.trash.allOf(userId, PURGE_BATCH));
}

/** The sweep: every user's entries past their time. */
export function sweepTrash(store: Store, now: number): Promise<number> {
  return purgeBatches(store, (repos) => repos.trash.expired(now, PURGE_BATCH));
}

export function trashItemView(entry: TrashEntry): TrashItem {
  return {
    id: entry.id,
    kind: entry.kind,
    itemId: entry.itemId,
    chatId: entry.chatId,
    label: entry.label,
    deletedAt: new Date(entry.deletedAt).toISOString(),
    expiresAt: new Date(entry.expiresAt).toISOString(),
  };
}
