import { sql } from 'kysely';
import { OWNER_COLUMNS, OWNER_JOINS, RANKED_AT_MOST, searchFilters, searchHitOf, SNIPPET_END, SNIPPET_START, type MessageSearchRow, type SearchHitColumns, type SearchMessages } from './message-search.js';

/** ts_headline's options: the match between the snippet markers, a fragment of context around it. */
const HEADLINE_OPTIONS = `StartSel=${SNIPPET_START}, StopSel=${SNIPPET_END}, MaxFragments=1, MaxWords=30, MinWords=12, FragmentDelimiter=" … "`;

interface Row extends SearchHitColumns {
  snippet: string;
}

/**
 * The generated tsvector column and its GIN index (migration 0012). Each phrase becomes phraseto_tsquery, which
 * reads its text as words and never as query syntax; the phrases are ANDed. Ranked by ts_rank (reading each
 * match's vector: the cost of a search) among the newest RANKED_AT_MOST matches that pass the filters, newest first
 * among equals; the snippet is computed for the page only.
 */
export const searchMessagesPostgres: SearchMessages = async (db, search) => {
  const query = sql.join(
    search.phrases.map((words) => sql`phraseto_tsquery('simple', ${words.join(' ')})`),
    sql` && `,
  );
  const { rows } = await sql<Row>`
    WITH q AS (SELECT ${query} AS query),
    newest AS (
      SELECT m.chat_id, m.seq, m.created_at, m.search_vector
      FROM q CROSS JOIN messages m JOIN chats c ON c.id = m.chat_id
      WHERE m.search_vector @@ q.query AND ${searchFilters(search)}
      ORDER BY m.created_at DESC
      LIMIT ${RANKED_AT_MOST}
    ),
    hits AS (
      SELECT n.chat_id, n.seq, ts_rank(n.search_vector, q.query) AS score
      FROM newest n CROSS JOIN q
      ORDER BY score DESC, n.created_at DESC, n.chat_id, n.seq
      LIMIT ${search.limit} OFFSET ${search.offset}
    )
    SELECT m.chat_id, c.title AS chat_title, ${OWNER_COLUMNS}, m.id, m.seq, m.role, m.name, m.created_at, ts_headline('simple', left(m.content, 100000), q.query, ${HEADLINE_OPTIONS}) AS snippet
    FROM hits JOIN messages m ON m.chat_id = hits.chat_id AND m.seq = hits.seq
      JOIN chats c ON c.id = m.chat_id ${OWNER_JOINS} CROSS JOIN q
    ORDER BY hits.score DESC, m.created_at DESC, m.chat_id, m.seq`.execute(db);
  return rows.map((row): MessageSearchRow => ({ ...searchHitOf(row), snippet: row.snippet }));
};
