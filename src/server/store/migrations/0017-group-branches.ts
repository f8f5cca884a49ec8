import { sql, type Kysely } from 'kysely';

/**
 * Branches of a group chat made before their group was copied to them have neither character nor group: unlisted,
 * and left out of the group's trash and purge. Each takes its tree's root's group, and that group's trash mark when
 * the group is in the trash (a group's trash marks all its chats, and its restore takes them out again). Data only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE chats SET group_id = (SELECT root.group_id FROM chats root WHERE root.id = chats.root_chat_id)
    WHERE character_id IS NULL AND group_id IS NULL AND parent_chat_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM chats root WHERE root.id = chats.root_chat_id AND root.group_id IS NOT NULL)`.execute(db);
  await sql`
    UPDATE chats SET trash_id = (SELECT g.trash_id FROM groups g WHERE g.id = chats.group_id)
    WHERE trash_id IS NULL AND parent_chat_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM groups g WHERE g.id = chats.group_id AND g.trash_id IS NOT NULL)`.execute(db);
}

/** Nothing to undo: the rows are what they should have been. */
export async function down(): Promise<void> {}
