import { z } from 'zod';
import { CharacterSummary } from './characters.js';
import { EntityId, SafeText } from './ids.js';

/** The library's orders, as SillyTavern offers them; favourites always come first. */
export const LIBRARY_SORTS = {
  recent: 'Recent chat',
  name: 'Name',
  added: 'Date added',
} as const;
export const LibrarySort = z.enum(['recent', 'name', 'added']);
export type LibrarySort = z.infer<typeof LibrarySort>;

/** Deepest a page may start: beyond the largest library anyone keeps, so a cursor cannot ask for silly work. */
const MAX_START = 1_000_000;

export const LibraryQuery = z.object({
  /** Part of a name, creator or tag, matched literally and without regard to case. */
  q: SafeText(200).optional(),
  /** Only characters with this exact tag (a "folder"). */
  tag: SafeText(200).optional(),
  favourites: z.enum(['0', '1']).optional(),
  sort: LibrarySort.default('recent'),
  /**
   * Where the next page starts: the `nextCursor` of the page before; opaque to clients. The server's own: `k` and
   * the last card's sort values (base64url JSON; a name of 500 escaped characters fits), or a row count (what
   * servers before answered, still taken).
   */
  cursor: z
    .string()
    .regex(/^(\d{1,7}|k[A-Za-z0-9_-]{1,8000})$/, 'not a cursor from this server')
    .refine((cursor) => cursor.startsWith('k') || Number(cursor) <= MAX_START, 'not a cursor from this server')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(60),
});
export type LibraryQuery = z.input<typeof LibraryQuery>;

export const LibraryPage = z.object({
  items: z.array(CharacterSummary),
  /** null on the last page. */
  nextCursor: z.string().nullable(),
  /** Characters matching the query, over every page. */
  total: z.number().int(),
});
export type LibraryPage = z.infer<typeof LibraryPage>;

export const LibraryTags = z.array(z.object({ tag: z.string(), count: z.number().int() }));
export type LibraryTags = z.infer<typeof LibraryTags>;

/** A tag put on (or taken off) many characters at once; a character that already has it (or not) is left as is. */
export const BulkTagRequest = z
  .object({
    characterIds: z.array(EntityId).min(1).max(1_000),
    add: SafeText(200).refine((tag) => tag.trim() === tag && tag !== '', 'a tag without surrounding spaces').optional(),
    remove: SafeText(200).optional(),
  })
  .refine((body) => body.add !== undefined || body.remove !== undefined, { message: 'add or remove a tag', path: ['add'] });
export type BulkTagRequest = z.infer<typeof BulkTagRequest>;

/** Cards to download together, as one zip of SillyTavern PNG cards. */
export const CardsExportRequest = z.object({ characterIds: z.array(EntityId).min(1).max(1_000) });
export type CardsExportRequest = z.infer<typeof CardsExportRequest>;

export const BulkTagResponse = z.object({ changed: z.number().int() });
