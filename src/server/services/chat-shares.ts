import type { ChatShareList, ShareRequest } from '../../shared/api/shares.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { Repositories } from '../store/store.js';

interface Account {
  id: string;
  handle: string;
}

export async function listShares(repos: Repositories, ownerId: string, chatId: string): Promise<ChatShareList> {
  if (!(await repos.chats.get(ownerId, chatId))) throw notFound('Chat');
  const shares = await repos.chatShares.list(chatId);
  return { shares: shares.map((s) => ({ handle: s.handle, name: s.name, access: s.access, createdAt: new Date(s.createdAt).toISOString() })) };
}

/** Only the chat's owner shares it; sharing again with the same account sets its access (a retry is harmless). */
export async function shareChat(repos: Repositories, owner: Account, chatId: string, request: ShareRequest, now: number): Promise<ChatShareList> {
  if (!(await repos.chats.get(owner.id, chatId))) throw notFound('Chat');
  const target = await repos.users.byHandle(request.handle);
  if (!target) throw notFound('User');
  if (target.id === owner.id) throw new ApiError('invalid_request', 'The chat is yours already.');
  await repos.chatShares.put({ chatId, userId: target.id, access: request.access, createdAt: now });
  return listShares(repos, owner.id, chatId);
}

/** The owner removes anyone's share; a participant may remove their own (leave the chat). Returns whose went. */
export async function unshareChat(repos: Repositories, user: Account, chatId: string, handle: string): Promise<{ userId: string }> {
  const owner = (await repos.chats.get(user.id, chatId)) !== undefined;
  if (!owner && handle !== user.handle) throw notFound('Chat');
  const target = await repos.users.byHandle(handle);
  if (!target || !(await repos.chatShares.remove(chatId, target.id))) throw notFound(owner ? 'Share' : 'Chat');
  return { userId: target.id };
}
