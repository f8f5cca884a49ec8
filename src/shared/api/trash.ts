import { z } from 'zod';

export const TrashKind = z.enum(['message', 'chat', 'character', 'group', 'world']);
export type TrashKind = z.infer<typeof TrashKind>;

/** Something deleted, kept until `expiresAt` (config `trashDays`) or until the trash is emptied. */
export const TrashItem = z.object({
  id: z.string(),
  kind: TrashKind,
  /** The message, chat, character, group or book id: a restore brings it back under the same id. */
  itemId: z.string(),
  /** The chat of a trashed message or chat. */
  chatId: z.string().nullable(),
  label: z.string(),
  deletedAt: z.string(),
  expiresAt: z.string(),
});
export type TrashItem = z.infer<typeof TrashItem>;

export const TrashList = z.object({ items: z.array(TrashItem), days: z.number().int() });
export type TrashList = z.infer<typeof TrashList>;

export const RestoreResponse = z.object({ kind: TrashKind, itemId: z.string(), chatId: z.string().nullable() });
export type RestoreResponse = z.infer<typeof RestoreResponse>;

export const EmptyTrashResponse = z.object({ purged: z.number().int() });
export type EmptyTrashResponse = z.infer<typeof EmptyTrashResponse>;
