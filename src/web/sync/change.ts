import type { Card } from '../../shared/api/characters.js';
import type { ChatOp, CreateChatRequest, Message } from '../../shared/api/chats.js';
import type { CreateConnectionRequest, PatchConnectionRequest } from '../../shared/api/generation.js';
import type { CreatePersonaRequest, PersonaPatchRequest, SettingsPatchRequest } from '../../shared/api/settings.js';
import type { CreateWorldRequest, WorldOp } from '../../shared/api/worlds.js';
import type { CreateGroupRequest, UpdateGroupRequest } from '../../shared/api/groups.js';
import type { z } from 'zod';

/** One write the user made, in the form it is kept in the outbox until the server acknowledges it. */
export type Change =
  | { kind: 'chat-op'; chatId: string; op: ChatOp }
  | { kind: 'chat-create'; request: CreateChatRequest & { id: string } }
  | { kind: 'chat-delete'; chatId: string }
  | { kind: 'settings-patch'; request: SettingsPatchRequest }
  | { kind: 'persona-create'; request: CreatePersonaRequest }
  | { kind: 'persona-patch'; personaId: string; request: PersonaPatchRequest }
  | { kind: 'persona-delete'; personaId: string }
  | { kind: 'character-put'; characterId: string; card: Card }
  | { kind: 'character-delete'; characterId: string }
  | { kind: 'character-favourite'; characterId: string; favourite: boolean }
  | { kind: 'character-persona'; characterId: string; personaId: string | null }
  | { kind: 'connection-create'; request: z.input<typeof CreateConnectionRequest> }
  | { kind: 'connection-patch'; connectionId: string; request: z.input<typeof PatchConnectionRequest> }
  | { kind: 'connection-delete'; connectionId: string }
  | { kind: 'world-create'; request: CreateWorldRequest }
  | { kind: 'world-op'; worldId: string; op: WorldOp }
  | { kind: 'world-delete'; worldId: string }
  | { kind: 'group-create'; request: CreateGroupRequest & { id: string } }
  | { kind: 'group-patch'; groupId: string; request: UpdateGroupRequest }
  | { kind: 'group-delete'; groupId: string };

type WithoutOpId<T> = T extends unknown ? Omit<T, 'opId'> : never;
/** A chat op as a view describes it; it gets its idempotency key when it enters the outbox. */
export type ChatOpDraft = WithoutOpId<ChatOp>;

export interface OutboxEntry {
  /** Assigned by IndexedDB: the outbox is sent strictly in this order. */
  seq?: number;
  /** The account that made the change; only that account's session sends it. */
  owner: string;
  /** The chat it belongs to ('' for others), indexed so a chat view can overlay its own pending ops. */
  chatId: string;
  queuedAt: number;
  change: Change;
}

/**
 * A change the server did not take as it was: a `conflict` (someone else edited the same message; `current` is
 * the server's version) or a `refused` request (the chat was deleted meanwhile, ...). Kept, with the user's text,
 * until the user decides: nothing typed is dropped silently.
 */
export interface HeldChange {
  id: string;
  owner: string;
  reason: 'conflict' | 'refused';
  message: string;
  change: Change;
  current?: Message;
  heldAt: number;
}

/** What views listen for: topics name what changed on the server (`chat:<id>`, `chats`, `characters`, ...). */
export function topicsOf(change: Change): string[] {
  switch (change.kind) {
    case 'chat-op':
      return [`chat:${change.chatId}`, 'chats'];
    case 'chat-create':
      return [`chat:${change.request.id}`, 'chats', 'characters'];
    case 'chat-delete':
      return [`chat:${change.chatId}`, 'chats', 'characters'];
    case 'settings-patch':
      return ['settings'];
    case 'persona-create':
    case 'persona-patch':
    case 'persona-delete':
      return ['personas'];
    case 'character-put':
      return [`character:${change.characterId}`, 'characters'];
    case 'character-delete':
    case 'character-favourite':
    case 'character-persona':
      return [`character:${change.characterId}`, 'characters'];
    case 'connection-create':
    case 'connection-patch':
    case 'connection-delete':
      return ['connections'];
    case 'world-create':
      return ['worlds'];
    case 'world-op':
      // A rename follows the book into cards and settings.
      return change.op.type === 'rename' ? ['worlds', 'characters', 'settings'] : ['worlds'];
    case 'world-delete':
      return ['worlds'];
    case 'group-create':
    case 'group-patch':
      return ['groups'];
    case 'group-delete':
      return ['groups', 'chats'];
  }
}

/** The chat an entry is indexed under. */
export function chatIdOf(change: Change): string {
  if (change.kind === 'chat-op' || change.kind === 'chat-delete') return change.chatId;
  if (change.kind === 'chat-create') return change.request.id;
  return '';
}
