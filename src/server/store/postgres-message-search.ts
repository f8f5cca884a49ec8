import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import { OWNER_COLUMNS, OWNER_JOINS, RANKED_AT_MOST, searchFilters, searchHitOf, SNIPPET_END, SNIPPET_START, type MessageSearch, type MessageSearchRow, type SearchHitColumns, type SearchMessages } from './message-search.js';

/** ts_headline's options: the match between the snippet markers, a fragment of context around it. */
const HEADLINE_OPTIONS = `StartSel=${SNIPPET_START}, StopSel=${SNIPPET_END}, MaxFragments=1, MaxWords=30, MinWords=12, FragmentDelimiter=" … "`;

/**
 * A search expected to match at least this many times the ranked matches looks among the newest messages first
 * (a window); below it, the window would hold so large a share of the matches that it would save little.
 */
const WINDOW_FROM_MATCHES = 4;
/** The window is sized to hold this many times the ranked matches, by the planner's estimate: room for its error. */
const WINDOW_MARGIN = 1.5;
/**
 * From this many times the ranked matches (100,000: a word in 10% of a million messages), the window is read in date
 * order until enough are found: a few rows per match. Below, reading that way would pass many rows for each match
 * (~17 at 5%), while the GIN index ANDed with the date index goes to the matches' rows only; the planner does not
 * see the difference (it does not cost the tsvector test), so it is told.
 */
const READ_IN_DATE_ORDER_FROM_MATCHES = 20;

/** Where the newest messages begin that should hold the ranked matches, and how to read them. */
interface Window {
  since: number;
  inDateOrder: boolean;
}

interface Row extends SearchHitColumns {
  snippet: string;
  /** How many matches were ranked: the window held all the newest when there are `rankedAtMost` of them. */
  candidates: string;
}

/**
 * The tsvector column and its GIN index (migration 0012), and the messages' date index (0016). Each phrase becomes
 * phraseto_tsquery, which reads its text as words and never as query syntax; the phrases are ANDed. Ranked by
 * ts_rank (reading each match's vector) among the newest `rankedAtMost` matches that pass the filters, newest
 * first among equals; the snippet is computed for the page only.
 *
 * Finding the newest matches of a word in 5% of a million messages through the GIN index alone means reading all
 * 50,000 of them for their dates. When the planner expects many matches, the search first looks only at the newest
 * messages, as many as should hold the ranked matches half again, read off the dates' histogram: there it reads
 * in date order and stops, or ANDs the GIN index with the date index. Holding that many, they are the newest
 * matches of all; holding fewer (the estimate was off), the search runs over every message, as it would have.
 */
export function postgresMessageSearch(rankedAtMost: number): SearchMessages {
  return async (db, search) => {
    const window = await windowOf(db, search, rankedAtMost);
    if (window !== undefined) {
      const rows = await ranked(db, search, rankedAtMost, window);
      if (rows.length > 0 && Number(rows[0]!.candidates) >= rankedAtMost) return rows.map(hitOf);
    }
    return (await ranked(db, search, rankedAtMost, undefined)).map(hitOf);
  };
}

export const searchMessagesPostgres: SearchMessages = postgresMessageSearch(RANKED_AT_MOST);

const hitOf = (row: Row): MessageSearchRow => ({ ...searchHitOf(row), snippet: row.snippet });

function tsquery(search: MessageSearch): RawBuilder<unknown> {
  return sql.join(
    search.phrases.map((words) => sql`phraseto_tsquery('simple', ${words.join(' ')})`),
    sql` && `,
  );
}

/**
 * The newest messages that should hold the ranked matches, or undefined to search them all: few matches expected,
 * no statistics yet, or a phrase (the planner estimates a phrase as its words apart, many times what it finds).
 */
export async function windowOf(db: Kysely<Database>, search: MessageSearch, rankedAtMost: number): Promise<Window | undefined> {
  if (search.phrases.some((words) => words.length > 1)) return undefined;
  const plan = await sql<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>`EXPLAIN (FORMAT JSON)
    SELECT FROM messages m JOIN chats c ON c.id = m.chat_id WHERE m.search_vector @@ (${tsquery(search)}) AND ${searchFilters(search)}`.execute(db);
  const expected = plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0;
  if (expected < WINDOW_FROM_MATCHES * rankedAtMost) return undefined;
  const stats = await sql<{ bounds: string | null }>`SELECT s.histogram_bounds::text AS bounds
    FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = 'created_at'
    WHERE t.oid = 'messages'::regclass`.execute(db);
  const bounds = stats.rows[0]?.bounds?.slice(1, -1).split(',').map(Number) ?? [];
  if (bounds.length < 2) return undefined;
  return {
    since: dateOfNewestShare(bounds, (WINDOW_MARGIN * rankedAtMost) / expected, search.from, search.to),
    inDateOrder: expected >= READ_IN_DATE_ORDER_FROM_MATCHES * rankedAtMost,
  };
}

/**
 * The date from which the newest `share` of the rows dated in [from, to) lie, by a histogram's bounds (equal
 * counts of rows between each two).
 */
export function dateOfNewestShare(bounds: number[], share: number, from?: number, to?: number): number {
  const last = bounds.length - 1;
  const position = (date: number) => {
    if (date <= bounds[0]!) return 0;
    if (date >= bounds[last]!) return 1;
    let i = 0;
    while (bounds[i + 1]! <= date) i++;
    const width = bounds[i + 1]! - bounds[i]!;
    return (i + (width > 0 ? (date - bounds[i]!) / width : 0)) / last;
  };
  const end = to === undefined ? 1 : position(to);
  const start = from === undefined ? 0 : position(from);
  const at = Math.max(0, end - share * (end - start)) * last;
  const i = Math.min(Math.floor(at), last - 1);
  return Math.floor(bounds[i]! + (at - i) * (bounds[i + 1]! - bounds[i]!));
}

/**
 * The page of the ranking. Over every message, the query is a CTE, which hides its words from the planner: it then
 * reads the matches through the GIN index, never the date index back to the first message (a phrase the planner
 * thinks common would), and ranks only the newest. In a window, the planner sees the words, and every match there
 * is about to be ranked: each is scored as it is read, so that no vector is carried through the sort.
 */
async function ranked(db: Kysely<Database>, search: MessageSearch, rankedAtMost: number, window: Window | undefined): Promise<Row[]> {
  const newest = window
    ? sql`SELECT m.chat_id, m.seq, m.created_at, ts_rank(m.search_vector, (${tsquery(search)})) AS score
      FROM messages m JOIN chats c ON c.id = m.chat_id
      WHERE m.search_vector @@ (${tsquery(search)}) AND m.created_at >= ${window.since} AND ${searchFilters(search)}
      ORDER BY ${window.inDateOrder ? sql`m.created_at` : sql`m.created_at + 0`} DESC`
    : sql`SELECT m.chat_id, m.seq, m.created_at, m.search_vector
      FROM q CROSS JOIN messages m JOIN chats c ON c.id = m.chat_id
      WHERE m.search_vector @@ q.query AND ${searchFilters(search)}
      ORDER BY m.created_at DESC`;
  const { rows } = await sql<Row>`
    WITH q AS (SELECT ${tsquery(search)} AS query),
    newest AS (${newest} LIMIT ${rankedAtMost}),
    hits AS (
      SELECT n.chat_id, n.seq, ${window ? sql`n.score` : sql`ts_rank(n.search_vector, q.query)`} AS score, count(*) OVER () AS candidates
      FROM newest n CROSS JOIN q
      ORDER BY score DESC, n.created_at DESC, n.chat_id, n.seq
      LIMIT ${search.limit} OFFSET ${search.offset}
    )
    SELECT m.chat_id, c.title AS chat_title, ${OWNER_COLUMNS}, m.id, m.seq, m.role, m.name, m.created_at, hits.candidates,
      ts_headline('simple', left(m.content, 100000), q.query, ${HEADLINE_OPTIONS}) AS snippet
    FROM hits JOIN messages m ON m.chat_id = hits.chat_id AND m.seq = hits.seq
      JOIN chats c ON c.id = m.chat_id ${OWNER_JOINS} CROSS JOIN q
    ORDER BY hits.score DESC, m.created_at DESC, m.chat_id, m.seq`.execute(db);
  return rows;
}
