import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** What undoing one op needs: the state it replaced (see services/chat-undo.ts). */
export interface UndoStep {
  step: number;
  opId: string;
  kind: string;
  undo: Record<string, unknown>;
  undoneBy: string | null;
  createdAt: number;
}

/** How many undo steps a chat keeps; older ones are let go as new ones come. */
export const UNDO_DEPTH = 100;

/** The undo steps of each chat, written in the transaction of the op they undo. */
export class ChatUndoRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async push(chatId: string, opId: string, kind: string, undo: Record<string, unknown>, now: number): Promise<void> {
    const last = await this.#db
      .selectFrom('chat_undo')
      .select('step')
      .where('chat_id', '=', chatId)
      .orderBy('step', 'desc')
      .limit(1)
      .executeTakeFirst();
    const step = (last?.step ?? 0) + 1;
    await this.#db
      .insertInto('chat_undo')
      .values({ chat_id: chatId, step, op_id: opId, kind, undo_json: JSON.stringify(undo), undone_by: null, created_at: now })
      .execute();
    await this.#db.deleteFrom('chat_undo').where('chat_id', '=', chatId).where('step', '<=', step - UNDO_DEPTH).execute();
  }

  /** The newest steps not undone yet, newest first. */
  async open(chatId: string, limit: number): Promise<UndoStep[]> {
    const rows = await this.#db
      .selectFrom('chat_undo')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('undone_by', 'is', null)
      .orderBy('step', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      step: r.step,
      opId: r.op_id,
      kind: r.kind,
      undo: JSON.parse(r.undo_json) as Record<string, unknown>,
      undoneBy: r.undone_by,
      createdAt: Number(r.created_at),
    }));
  }

  async byOpId(chatId: string, opId: string): Promise<Pick<UndoStep, 'step' | 'undoneBy'> | undefined> {
    const row = await this.#db
      .selectFrom('chat_undo')
      .select(['step', 'undone_by'])
      .where('chat_id', '=', chatId)
      .where('op_id', '=', opId)
      .executeTakeFirst();
    return row && { step: row.step, undoneBy: row.undone_by };
  }

  async markUndone(chatId: string, step: number, undoOpId: string): Promise<void> {
    await this.#db.updateTable('chat_undo').set({ undone_by: undoOpId }).where('chat_id', '=', chatId).where('step', '=', step).execute();
  }
}
