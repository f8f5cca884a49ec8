import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** Tables whose rows belong to a user and go to the trash whole by a `trash_id` mark. */
type MarkedTable = 'characters' | 'groups';

/** Putting a row in the trash and taking it out, the same for each marked table. */
export interface TrashMarks {
  /** Whether the row is in use, in the trash (with its entry's id), or neither. */
  idOf(userId: string, id: string): Promise<{ trashId: string | null } | undefined>;
  /**
   * idOf with the row locked until the transaction ends (an UPDATE locks in PostgreSQL; SQLite has one writer): a
   * chat made under it meanwhile is made before it goes to the trash (and goes with it), or sees it there.
   */
  lock(userId: string, id: string): Promise<{ trashId: string | null } | undefined>;
  /** Marks the row as in the trash entry; false when it is not the user's or is in the trash already. */
  put(userId: string, id: string, trashId: string): Promise<boolean>;
  /** Takes every row of the trash entry out of it (a restore). */
  release(trashId: string): Promise<void>;
}

export function trashMarks(db: Kysely<Database>, table: MarkedTable): TrashMarks {
  // Both tables have the same user_id / trash_id columns: typed through one of them.
  const marked = table as 'characters';
  return {
    async idOf(userId, id) {
      const row = await db.selectFrom(marked).select('trash_id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return row && { trashId: row.trash_id };
    },
    async lock(userId, id) {
      const row = await db
        .updateTable(marked)
        .set((eb) => ({ trash_id: eb.ref('trash_id') }))
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .returning('trash_id')
        .executeTakeFirst();
      return row && { trashId: row.trash_id };
    },
    async put(userId, id, trashId) {
      const result = await db
        .updateTable(marked)
        .set({ trash_id: trashId })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('trash_id', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async release(trashId) {
      await db.updateTable(marked).set({ trash_id: null }).where('trash_id', '=', trashId).execute();
    },
  };
}
