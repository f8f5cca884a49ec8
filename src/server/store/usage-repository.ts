import { sql, type Kysely } from 'kysely';
import type { ReplyUsage } from '../../shared/api/generation.js';
import type { Database } from './database.js';

export interface UsageRecord {
  id: string;
  userId: string;
  connectionId: string;
  chatId: string;
  api: string;
  model: string;
  usage: ReplyUsage;
  createdAt: number;
}

/** Token counts summed over one day and one connection. */
export interface UsageBucket {
  /** Days since the epoch, in the reader's time zone (see `daily`). */
  day: number;
  connectionId: string;
  replies: number;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

const DAY_MS = 86_400_000;

/** What every reply cost in tokens, per user, kept apart from messages (a deleted reply was still paid for). */
export class UsageRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(r: UsageRecord): Promise<void> {
    await this.#db
      .insertInto('usage')
      .values({
        id: r.id,
        user_id: r.userId,
        connection_id: r.connectionId,
        chat_id: r.chatId,
        api: r.api,
        model: r.model,
        prompt_tokens: r.usage.prompt_tokens,
        completion_tokens: r.usage.completion_tokens,
        cache_read_tokens: r.usage.cache_read_tokens ?? 0,
        cache_write_tokens: r.usage.cache_write_tokens ?? 0,
        reasoning_tokens: r.usage.reasoning_tokens ?? 0,
        created_at: r.createdAt,
      })
      // A generation's end is written once; a retried end changes nothing.
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /**
   * Sums per day and connection since `from` (epoch ms). A day starts at the reader's midnight: `offsetMs` is their
   * UTC offset, added before dividing, so SQLite and PostgreSQL bucket alike with integer arithmetic.
   */
  async daily(userId: string, filter: { connectionId?: string | undefined; chatId?: string | undefined }, from: number, offsetMs: number): Promise<UsageBucket[]> {
    // Literals (whole numbers, never user text) so that PostgreSQL sees the grouped expression as the selected one,
    // and both databases divide integers whole.
    const day = sql<number>`cast((created_at + ${sql.lit(Math.trunc(offsetMs))}) / ${sql.lit(DAY_MS)} as integer)`;
    let query = this.#db
      .selectFrom('usage')
      .select([
        day.as('day'),
        'connection_id',
        (eb) => eb.fn.countAll<number>().as('replies'),
        (eb) => eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
        (eb) => eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
        (eb) => eb.fn.sum<number>('cache_read_tokens').as('cache_read_tokens'),
        (eb) => eb.fn.sum<number>('cache_write_tokens').as('cache_write_tokens'),
        (eb) => eb.fn.sum<number>('reasoning_tokens').as('reasoning_tokens'),
      ])
      .where('user_id', '=', userId)
      .where('created_at', '>=', from);
    if (filter.connectionId) query = query.where('connection_id', '=', filter.connectionId);
    if (filter.chatId) query = query.where('chat_id', '=', filter.chatId);
    const rows = await query.groupBy([day, 'connection_id']).orderBy(day).orderBy('connection_id').execute();
    // PostgreSQL answers sums of bigints as numeric strings.
    return rows.map((r) => ({
      day: Math.floor(Number(r.day)),
      connectionId: r.connection_id,
      replies: Number(r.replies),
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      cacheReadTokens: Number(r.cache_read_tokens),
      cacheWriteTokens: Number(r.cache_write_tokens),
      reasoningTokens: Number(r.reasoning_tokens),
    }));
  }
}
