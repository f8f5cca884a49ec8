import type { Kysely } from 'kysely';
import type { AppliedOpsTable, Database } from './database.js';
import { fixedQuery } from './fixed-query.js';

// Every op of the save path runs it (see fixed-query.ts); chats-repository.ts too, with a chat's lock.
export const claimOp = fixedQuery((db: Kysely<Database>, v: AppliedOpsTable) =>
  db
    .insertInto('applied_ops')
    .values({ scope: v.scope, op_id: v.op_id, applied_at: v.applied_at })
    .onConflict((conflict) => conflict.columns(['scope', 'op_id']).doNothing())
    .returning('op_id'),
);

/**
 * The op ids a scope has applied. Recorded in the same transaction as the change, so "applied" and
 * "remembered as applied" can never disagree: a retry after a lost acknowledgement is a no-op.
 */
export class AppliedOpsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async has(scope: string, opId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('applied_ops')
      .select('op_id')
      .where('scope', '=', scope)
      .where('op_id', '=', opId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async record(scope: string, opId: string, now: number): Promise<void> {
    await this.#db.insertInto('applied_ops').values({ scope, op_id: opId, applied_at: now }).execute();
  }

  /**
   * Records the op id unless the scope has it already, in one statement (one round trip instead of `has` and then
   * `record`): true when this call recorded it, false for a duplicate. A claimed op that then does not apply is
   * handed back with `release`, in the same transaction.
   */
  async claim(scope: string, opId: string, now: number): Promise<boolean> {
    return (await claimOp(this.#db, { scope, op_id: opId, applied_at: now })).length > 0;
  }

  async release(scope: string, opId: string): Promise<void> {
    await this.#db.deleteFrom('applied_ops').where('scope', '=', scope).where('op_id', '=', opId).execute();
  }

  async forgetScope(scope: string): Promise<void> {
    await this.#db.deleteFrom('applied_ops').where('scope', '=', scope).execute();
  }
}

export const chatScope = (chatId: string) => `chat:${chatId}`;
export const settingsScope = (userId: string) => `settings:${userId}`;
export const personaScope = (userId: string) => `persona:${userId}`;
export const worldScope = (worldId: string) => `world:${worldId}`;
