import type { Kysely } from 'kysely';

/**
 * A chat being imported carries a lease: the time until which its importer vouches for it. While it has one it is
 * invisible and refuses writes; the last transaction of the import clears it. A lease that ran out belongs to an
 * importer that died (kill -9, a node that stopped): any node's sweep removes the half-made chat.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('chats').addColumn('import_lease_until', 'bigint').execute();
  await db.schema.createIndex('chats_import_lease').on('chats').column('import_lease_until').execute();
}
