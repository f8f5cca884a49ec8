import { SEARCH_MAX_WORDS, type SearchHit, type SearchResponse, type SnippetPart } from '../../shared/api/search.js';
import type { Role } from '../../shared/api/chats.js';
import { ApiError } from '../errors/api-error.js';
import { SNIPPET_END, SNIPPET_START, type MessageSearchRow } from '../store/message-search.js';
import type { Store } from '../store/store.js';

/** What a word is to the search: letters, digits and the marks on them, as both databases' tokenizers see it. */
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

export interface SearchRequest {
  q: string;
  characterId?: string | undefined;
  role?: Role | undefined;
  from?: string | undefined;
  to?: string | undefined;
  offset: number;
  limit: number;
}

/**
 * A search text as phrases of words. "Quoted text" is one phrase; outside quotes each run without spaces is one
 * ("don't" and "e-mail" are two words that stand together). Everything but words is dropped, so no character a
 * user types is query syntax to either database; a text with no word at all is refused.
 */
export function parseSearchText(text: string): string[][] {
  const phrases: string[][] = [];
  text.split('"').forEach((part, index) => {
    const chunks = index % 2 === 1 ? [part] : part.split(/\s+/u);
    for (const chunk of chunks) {
      const words = chunk.match(WORD);
      if (words) phrases.push(words);
    }
  });
  const count = phrases.reduce((sum, words) => sum + words.length, 0);
  if (count === 0) throw new ApiError('invalid_request', 'The search holds no words: type letters or digits.');
  if (count > SEARCH_MAX_WORDS) {
    throw new ApiError('invalid_request', `A search may hold at most ${SEARCH_MAX_WORDS} words.`, { words: count });
  }
  return phrases;
}

/** A snippet as runs of plain text, the matched words marked: the client renders text, never markup. */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  for (const piece of snippet.split(new RegExp(`([${SNIPPET_START}${SNIPPET_END}])`, 'u'))) {
    if (piece === SNIPPET_START) match = true;
    else if (piece === SNIPPET_END) match = false;
    else if (piece) parts.push({ text: piece, match });
  }
  return parts;
}

export async function searchMessages(store: Store, userId: string, request: SearchRequest): Promise<SearchResponse> {
  const rows = await store.searchMessages({
    userId,
    phrases: parseSearchText(request.q),
    ...(request.characterId !== undefined && { characterId: request.characterId }),
    ...(request.role !== undefined && { role: request.role }),
    ...(request.from !== undefined && { from: Date.parse(request.from) }),
    ...(request.to !== undefined && { to: Date.parse(request.to) }),
    offset: request.offset,
    // One more than the page tells whether another page exists.
    limit: request.limit + 1,
  });
  return { hits: rows.slice(0, request.limit).map(hitOf), hasMore: rows.length > request.limit };
}

function hitOf(row: MessageSearchRow): SearchHit {
  return {
    chatId: row.chatId,
    chatTitle: row.chatTitle,
    characterId: row.characterId,
    characterName: row.characterName,
    groupId: row.groupId,
    groupName: row.groupName,
    messageId: row.messageId,
    seq: row.seq,
    role: row.role as Role,
    name: row.name,
    createdAt: new Date(row.createdAt).toISOString(),
    snippet: snippetParts(row.snippet),
  };
}
