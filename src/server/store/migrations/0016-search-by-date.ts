import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL only (SQLite's FTS5 index is unchanged):
 * - An index on the messages' dates, so a search of common words finds its newest matches in date order, reading
 *   only as far back as it needs to (postgres-message-search.ts), instead of every match's row.
 * - The search vector becomes a plain column that triggers compute from the content on insert (unless given) and
 *   when the content changes: a branch's copy of a history then takes its parent's vectors along instead of computing
 *   50,000 of them again (chats-repository.ts copyMessages). DROP EXPRESSION keeps every computed value.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`CREATE INDEX messages_created ON messages (created_at)`.execute(db);
  await sql`ALTER TABLE messages ALTER COLUMN search_vector DROP EXPRESSION`.execute(db);
  // As the generated column was: 'simple' and the first 100,000 characters (migration 0012 says why). The triggers'
  // conditions are checked without calling the function: a copy that brings its vectors pays nothing for them.
  await sql`CREATE FUNCTION messages_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_vector := to_tsvector('simple'::regconfig, left(NEW.content, 100000));
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER messages_search_vector_insert BEFORE INSERT ON messages
    FOR EACH ROW WHEN (NEW.search_vector IS NULL) EXECUTE FUNCTION messages_search_vector()`.execute(db);
  await sql`CREATE TRIGGER messages_search_vector_update BEFORE UPDATE OF content ON messages
    FOR EACH ROW WHEN (NEW.content IS DISTINCT FROM OLD.content) EXECUTE FUNCTION messages_search_vector()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`DROP TRIGGER messages_search_vector_insert ON messages`.execute(db);
  await sql`DROP TRIGGER messages_search_vector_update ON messages`.execute(db);
  await sql`DROP FUNCTION messages_search_vector()`.execute(db);
  // A column cannot become generated again in place: it is made anew, with its index.
  await sql`ALTER TABLE messages DROP COLUMN search_vector`.execute(db);
  await sql`ALTER TABLE messages ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(content, 100000))) STORED`.execute(db);
  await sql`CREATE INDEX messages_search ON messages USING gin (search_vector)`.execute(db);
  await sql`DROP INDEX messages_created`.execute(db);
}
