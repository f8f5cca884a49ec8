import type { ChatOp } from '../../shared/api/chats.js';
import { CHAT_OVERRIDES_KEY } from '../../shared/api/generation-overrides.js';
import type { ShareAccess } from '../../shared/api/shares.js';
import { CHAT_WORLD_KEY } from '../../shared/api/worlds.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { Repositories } from '../store/store.js';
import { stillImporting } from './import-leases.js';

/** What a route needs of a chat: to read it (GET), or to write to it (ops, generation). */
export type ChatNeed = 'read' | 'write';

export interface ChatGrant {
  chat: ChatRecord;
  /** The chat's owner: every lookup the request makes in a library (character, group, books, connection) is theirs. */
  ownerId: string;
  /** `owner`, or the share's access. */
  access: 'owner' | ShareAccess;
}

/**
 * Who may do what with a chat, decided in one place for every chat route: its owner anything; an account it is
 * shared with reads it (a `read` share) or reads and writes (`write`). Anyone else gets the 404 an unknown id
 * gets, so a chat's existence is not told; a read share asked to write gets a 403.
 */
export async function chatAccess(repos: Repositories, userId: string, chatId: string, need: ChatNeed): Promise<ChatGrant> {
  const own = await repos.chats.get(userId, chatId);
  if (own) return { chat: own, ownerId: userId, access: 'owner' };
  const share = await repos.chatShares.of(chatId, userId);
  const chat = share && (await repos.chats.get(share.ownerId, chatId));
  if (!share || !chat) throw notFound('Chat');
  if (need === 'write' && share.access !== 'write') throw new ApiError('forbidden', 'This chat is shared with you to read only.');
  return { chat, ownerId: share.ownerId, access: share.access };
}

/** chatAccess for ops: the owner's chat still being imported answers 409 `importing`, as ops always have. */
export async function chatAccessForOps(repos: Repositories, userId: string, chatId: string): Promise<ChatGrant> {
  try {
    return await chatAccess(repos, userId, chatId, 'write');
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found' && (await repos.chats.isImporting(userId, chatId))) throw stillImporting();
    throw error;
  }
}

/**
 * What only a chat's owner may choose: its persona, and the metadata that picks things of the owner's library for its
 * replies (its book by name, its connection and presets by id). A participant's reply runs in the owner's library,
 * so these would let them bring any of the owner's books or connections into the chat and read them in the prompt.
 */
export function ownerOnlyOp(op: ChatOp): boolean {
  if (op.type === 'setPersona') return true;
  return op.type === 'setMetadata' && (Object.hasOwn(op.patch, CHAT_WORLD_KEY) || Object.hasOwn(op.patch, CHAT_OVERRIDES_KEY));
}
