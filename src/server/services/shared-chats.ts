import type { ChatSummary } from '../../shared/api/chats.js';
import type { SharedBy } from '../../shared/api/shares.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { Store } from '../store/store.js';
import type { ChatGrant } from './chat-access.js';
import { chatSummaryView } from './message-view.js';

/** Whom a chat is with: its character's or group's name in the owner's library. */
export async function ownerName(store: Store, ownerId: string, chat: ChatRecord): Promise<string> {
  if (chat.characterId) return (await store.characters.get(ownerId, chat.characterId))?.name ?? '';
  if (chat.groupId) return (await store.groups.get(ownerId, chat.groupId))?.name ?? '';
  return '';
}

/** The chats others share with the user, as their chat list shows them: whose, with whom, what the share allows. */
export async function sharedChatSummaries(store: Store, userId: string): Promise<ChatSummary[]> {
  const summaries: ChatSummary[] = [];
  for (const share of await store.chatShares.sharedWith(userId)) {
    // A chat in the owner's trash or being imported is not there for a participant either.
    const chat = await store.chats.get(share.ownerId, share.chatId);
    if (!chat) continue;
    const sharedBy: SharedBy = { handle: share.ownerHandle, name: share.ownerName, access: share.access };
    summaries.push({ ...chatSummaryView(chat), characterName: await ownerName(store, share.ownerId, chat), sharedBy });
  }
  return summaries;
}

/** What GET /api/chats/:id adds for a participant: whose the chat is, their share, and whom it is with. */
export async function sharedView(store: Store, grant: ChatGrant): Promise<{ sharedBy: SharedBy; characterName: string }> {
  const owner = await store.users.byId(grant.ownerId);
  const access = grant.access === 'owner' ? 'write' : grant.access;
  return { sharedBy: { handle: owner?.handle ?? '', name: owner?.name ?? '', access }, characterName: await ownerName(store, grant.ownerId, grant.chat) };
}
