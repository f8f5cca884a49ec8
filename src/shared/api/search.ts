import { z } from 'zod';
import { Role } from './chats.js';
import { EntityId, SafeText } from './ids.js';

/** Longer than any search a person types; a longer one is a 400, never a slow query. */
export const SEARCH_TEXT_MAX_CHARS = 500;
/** Words (in phrases or not) a search may hold: each is a term the index must intersect. */
export const SEARCH_MAX_WORDS = 32;
/** How deep paging goes: past this, narrowing the search finds more than scrolling would. */
export const SEARCH_MAX_OFFSET = 1_000;

const Instant = z.iso.datetime({ offset: true });

export const SearchQuery = z
  .object({
    /** Words, all of which a message must hold; "quoted words" must stand together. Nothing else is syntax. */
    q: SafeText(SEARCH_TEXT_MAX_CHARS).refine((text) => text.trim().length > 0, 'type something to search for'),
    characterId: EntityId.optional(),
    role: Role.optional(),
    /** Messages written at or after this instant (ISO 8601 with offset). */
    from: Instant.optional(),
    /** Messages written before this instant. */
    to: Instant.optional(),
    offset: z.coerce.number().int().min(0).max(SEARCH_MAX_OFFSET).default(0),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
    message: 'from must not be after to',
    path: ['to'],
  });
export type SearchQuery = z.input<typeof SearchQuery>;

/** A run of a snippet's text, `match` where it is a word the search asked for. Plain text: never markup. */
export const SnippetPart = z.object({ text: z.string(), match: z.boolean() });
export type SnippetPart = z.infer<typeof SnippetPart>;

export const SearchHit = z.object({
  chatId: z.string(),
  chatTitle: z.string(),
  /** A 1:1 chat's character; null in a group chat. */
  characterId: z.string().nullable(),
  characterName: z.string().nullable(),
  /** A group chat's group; null in a 1:1 chat. */
  groupId: z.string().nullable(),
  groupName: z.string().nullable(),
  messageId: z.string(),
  /** The message's place in its chat: what the chat opens around (`GET /api/chats/:id/messages?around=`). */
  seq: z.number().int(),
  role: Role,
  name: z.string(),
  createdAt: z.string(),
  snippet: z.array(SnippetPart),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResponse = z.object({ hits: z.array(SearchHit), hasMore: z.boolean() });
export type SearchResponse = z.infer<typeof SearchResponse>;
