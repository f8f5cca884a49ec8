import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Full-text search over every message, kept by the database itself so that every write path (ops, generation,
 * imports, a restore that puts rows back) keeps it right without knowing it exists.
 * - SQLite: an FTS5 table whose content is the messages table (nothing stored twice), kept by triggers. It is keyed
 *   by the messages' implicit rowid, which VACUUM may renumber: after a VACUUM, rebuild it (docs/operations.md).
 * - PostgreSQL: a generated tsvector column with a GIN index. 'simple': chats mix languages, so words are matched
 *   as written (case folded), not stemmed for one language. Only the first 100,000 characters of a message are
 *   indexed: a tsvector is at most 1 MB, and a longer message must not become a failed write.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE messages ADD COLUMN search_vector tsvector
      GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(content, 100000))) STORED`.execute(db);
    await sql`CREATE INDEX messages_search ON messages USING gin (search_vector)`.execute(db);
    return;
  }
  // remove_diacritics 2: "cafe" finds "café" however the accent was written.
  await sql`CREATE VIRTUAL TABLE message_search USING fts5(
    content, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
  await sql`CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search(rowid, content) VALUES (new.rowid, new.content);
  END`.execute(db);
  await sql`CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search(message_search, rowid, content) VALUES ('delete', old.rowid, old.content);
  END`.execute(db);
  await sql`CREATE TRIGGER message_search_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO message_search(message_search, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO message_search(rowid, content) VALUES (new.rowid, new.content);
  END`.execute(db);
  await sql`INSERT INTO message_search(message_search) VALUES ('rebuild')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE messages DROP COLUMN search_vector`.execute(db);
    return;
  }
  for (const trigger of ['message_search_insert', 'message_search_delete', 'message_search_update']) {
    await sql`DROP TRIGGER ${sql.id(trigger)}`.execute(db);
  }
  await sql`DROP TABLE message_search`.execute(db);
}
