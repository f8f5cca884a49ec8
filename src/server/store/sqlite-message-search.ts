import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import {
  OWNER_COLUMNS,
  OWNER_JOINS,
  RANKED_AT_MOST,
  searchFilters,
  searchHitOf,
  SNIPPET_END,
  SNIPPET_START,
  type SearchHitColumns,
  type SearchMessages,
} from './message-search.js';

/** Words of context a snippet shows around the match. */
const SNIPPET_WORDS = 24;

interface Row extends SearchHitColumns {
  rid: number;
}

const COLUMNS = sql`m.rowid AS rid, m.chat_id, c.title AS chat_title, ${OWNER_COLUMNS}, m.id, m.seq, m.role, m.name,
  m.created_at`;

/**
 * FTS5 over the messages table (migration 0012). The words are quoted, so nothing a user types is FTS syntax.
 * Ranking is FTS5's bm25, run on the index alone: the best candidates are found first and only they are joined
 * to their chats to apply the user's scope and filters; when the filters leave too few, more candidates are taken.
 */
export const searchMessagesSqlite: SearchMessages = async (db, search) => {
  const match = search.phrases.map((words) => `"${words.join(' ').replaceAll('"', '""')}"`).join(' ');
  const want = search.offset + search.limit;
  const newest = await sql<{ rowid: number }>`SELECT rowid FROM message_search WHERE message_search MATCH ${match}
    ORDER BY rowid DESC LIMIT 1 OFFSET ${RANKED_AT_MOST - 1}`.execute(db);
  const floor = newest.rows[0]?.rowid;
  const filters = searchFilters(search);

  /** The best `want` matches at or above `floor` (every match without one) that pass the filters. */
  const ranked = async (floor: number | undefined): Promise<Row[]> => {
    const above = floor === undefined ? sql`` : sql`AND rowid >= ${asInteger(floor)}`;
    for (const pool of [want * 4, want * 40]) {
      const candidates = await sql<{ rowid: number }>`SELECT rowid FROM message_search
        WHERE message_search MATCH ${match} ${above} ORDER BY bm25(message_search) LIMIT ${pool}`.execute(db);
      const ids = JSON.stringify(candidates.rows.map((row) => row.rowid));
      const found = await sql<Row>`SELECT ${COLUMNS} FROM json_each(${ids}) j
        CROSS JOIN messages m ON m.rowid = j.value CROSS JOIN chats c ON c.id = m.chat_id
        ${OWNER_JOINS}
        WHERE ${filters} ORDER BY j.key LIMIT ${want}`.execute(db);
      // Enough, or fewer candidates than asked for: every match was seen.
      if (found.rows.length >= want || candidates.rows.length < pool) return found.rows;
    }
    // The filters leave few: join every match and let SQLite rank what passes.
    const all = await sql<Row>`SELECT ${COLUMNS} FROM message_search s
      CROSS JOIN messages m ON m.rowid = s.rowid CROSS JOIN chats c ON c.id = m.chat_id
      ${OWNER_JOINS}
      WHERE message_search MATCH ${match} ${floor === undefined ? sql`` : sql`AND s.rowid >= ${asInteger(floor)}`} AND ${filters}
      ORDER BY bm25(message_search) LIMIT ${want}`.execute(db);
    return all.rows;
  };

  let rows = await ranked(floor);
  // The newest matches held too few that pass the filters: rank every match.
  if (rows.length < want && floor !== undefined) rows = await ranked(undefined);
  const page = rows.slice(search.offset, want);
  return Promise.all(page.map(async (row) => ({ ...searchHitOf(row), snippet: await snippetOf(db, match, row.rid) })));
};

/**
 * better-sqlite3 binds every JS number as a REAL, and FTS5 drops a rowid constraint whose value is a REAL (the
 * query then runs as if it were not there): rowids are bound as integers.
 */
const asInteger = (value: number) => sql`CAST(${value} AS INTEGER)`;

/**
 * A bound value, not a literal in the SQL: a tagged template keeps its raw text, so a '…' written there would be the
 * one non-ASCII character in the server bundle, and V8 would hold the whole 2 MB source as a two-byte string.
 */
const ELLIPSIS = '\u2026';

async function snippetOf(db: Kysely<Database>, match: string, rowid: number): Promise<string> {
  const { rows } = await sql<{ snippet: string }>`SELECT snippet(message_search, 0, ${SNIPPET_START}, ${SNIPPET_END},
    ${ELLIPSIS}, ${SNIPPET_WORDS}) AS snippet FROM message_search WHERE message_search MATCH ${match} AND rowid = ${asInteger(rowid)}`.execute(db);
  return rows[0]?.snippet ?? '';
}

