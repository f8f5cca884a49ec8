import type { Kysely } from 'kysely';

/**
 * A deleted group goes to the trash like a character: its row stays, marked by the trash entry that holds it, and
 * so do its chats (marked by the same entry), until a restore or the purge.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').addColumn('trash_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').dropColumn('trash_id').execute();
}
