import { z } from 'zod';

/**
 * What GET /api/events (server-sent events, one stream per signed-in user) announces, so that open views in
 * other tabs and devices refresh what changed. Events say WHAT changed, not the data: clients re-read it.
 */
export const ChangeEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chat'), chatId: z.string(), revision: z.number().int() }),
  z.object({ type: z.literal('chatDeleted'), chatId: z.string() }),
  z.object({ type: z.literal('characters') }),
  /** A group was created, changed or deleted. */
  z.object({ type: z.literal('groups') }),
  z.object({ type: z.literal('settings'), revision: z.number().int() }),
  z.object({ type: z.literal('personas') }),
  z.object({ type: z.literal('connections') }),
  /** A world-info book was created, changed, renamed or deleted. */
  z.object({ type: z.literal('worlds') }),
  /** Who a chat is shared with changed: lists of chats, the chat itself (a removed participant loses it). */
  z.object({ type: z.literal('shares'), chatId: z.string() }),
  /** Some of the account's sessions ended: each event stream checks its own and ends with it (not sent to clients). */
  z.object({ type: z.literal('sessions') }),
  /** Something went into the trash or came out of it: lists of chats, characters and books may have changed. */
  z.object({ type: z.literal('trash') }),
  z.object({
    type: z.literal('generation'),
    chatId: z.string(),
    generationId: z.string(),
    messageId: z.string(),
    state: z.enum(['started', 'finished']),
  }),
]);
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** The header a tab sends with its writes so that it can recognise (and skip) the echo of its own changes. */
export const CLIENT_ID_HEADER = 'x-parley-client';

/** An event as delivered: the change plus the client that caused it, if it said. */
export type ChangeNotice = ChangeEvent & { origin?: string };
