import { z } from 'zod';
import { EntityId } from './ids.js';
import { Handle } from './session.js';

/** What a share allows: `read` sees the chat and follows it live; `write` also writes to it and generates. */
export const ShareAccess = z.enum(['read', 'write']);
export type ShareAccess = z.infer<typeof ShareAccess>;

/** POST /api/chats/:id/shares: shares the chat with another account of this server (or changes its access). */
export const ShareRequest = z.object({ handle: Handle, access: ShareAccess });
export type ShareRequest = z.infer<typeof ShareRequest>;

export const ChatShare = z.object({ handle: Handle, name: z.string(), access: ShareAccess, createdAt: z.string() });
export type ChatShare = z.infer<typeof ChatShare>;

export const ChatShareList = z.object({ shares: z.array(ChatShare) });
export type ChatShareList = z.infer<typeof ChatShareList>;

export const ShareParams = z.object({ id: EntityId, handle: Handle });

/** On a chat shared with the signed-in user (lists and GET /api/chats/:id): whose it is and what the share allows. */
export const SharedBy = z.object({ handle: z.string(), name: z.string(), access: ShareAccess });
export type SharedBy = z.infer<typeof SharedBy>;
