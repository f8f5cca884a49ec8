import type { Kysely, Selectable } from 'kysely';
import type { ErrorCode } from '../../shared/errors.js';
import type { GenerationMode, GenerationState, PromptInspection, UpstreamFailure } from '../../shared/api/generation.js';
import type { MessageRecord } from './chats-repository.js';
import type { Database, GenerationsTable } from './database.js';
import { fixedQuery } from './fixed-query.js';
import { columnsOf } from './table-columns.js';

/** Where a generation's text goes. */
export type ReplySlot = 'message' | 'swipe' | 'continue' | 'composer';

/**
 * A target message's fields as they were before the generation, but its swipes: the message keeps those (a swipe
 * adds one after them, a continuation changes the one at `swipeIndex`), so the generation's row does not copy them
 * (a long reply's swipes would be written twice on the way to its first token).
 */
export type MessageBefore = Pick<MessageRecord, 'content' | 'swipeIndex' | 'status'> & {
  /** How many swipes the message had (0: none, its content alone). */
  swipeCount: number;
  /** Absent in rows written before reasoning was kept. */
  extra?: MessageRecord['extra'];
};

/** A stored `before`; rows written before `swipeCount` copied the swipes themselves. */
function parseBefore(json: string): MessageBefore {
  const { swipes, ...before } = JSON.parse(json) as MessageBefore & { swipes?: string[] };
  return swipes ? { ...before, swipeCount: swipes.length } : before;
}

export interface GenerationFailure {
  code: ErrorCode;
  message: string;
  failure: UpstreamFailure | null;
}

export interface GenerationRecord {
  id: string;
  userId: string;
  chatId: string;
  /** null for an impersonation: its text goes to the composer, not into the chat. */
  messageId: string | null;
  mode: GenerationMode;
  slot: ReplySlot;
  /** For swipe and continue: the message before, to restore it when nothing was produced. */
  before: MessageBefore | null;
  state: GenerationState;
  /** What the model produced so far (as shown: leading whitespace trimmed), without a continued reply's start. */
  text: string;
  /** The reasoning produced so far (kept apart from the text; '' when none). */
  reasoning: string;
  error: GenerationFailure | null;
  stopRequested: boolean;
  inspection: PromptInspection;
  heartbeatAt: number;
  createdAt: number;
  finishedAt: number | null;
  /** The account that started it: the chat's owner, or a participant the chat is shared with (null: older rows). */
  startedBy?: string | null;
}

function toGeneration(row: Selectable<GenerationsTable>): GenerationRecord {
  return {
    id: row.id,
    userId: row.user_id,
    chatId: row.chat_id,
    messageId: row.message_id,
    mode: row.mode as GenerationMode,
    slot: row.slot as ReplySlot,
    before: row.undo_json ? parseBefore(row.undo_json) : null,
    state: row.state as GenerationState,
    text: row.text,
    reasoning: row.reasoning,
    error: row.error_code
      ? { code: row.error_code as ErrorCode, message: row.error_message ?? '', failure: row.failure as UpstreamFailure | null }
      : null,
    stopRequested: row.stop_requested === 1,
    inspection: JSON.parse(row.inspection_json) as PromptInspection,
    heartbeatAt: row.heartbeat_at,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    startedBy: row.started_by,
  };
}

// The statements on the way to a reply's first token and in every progress save, compiled once (fixed-query.ts).
const GENERATION_COLUMNS = columnsOf<GenerationsTable>({
  id: true, user_id: true, chat_id: true, message_id: true, mode: true, slot: true, undo_json: true, state: true, text: true,
  reasoning: true, error_code: true, error_message: true, failure: true, stop_requested: true, inspection_json: true,
  heartbeat_at: true, created_at: true, finished_at: true, started_by: true,
});
const insertGeneration = fixedQuery((db: Kysely<Database>, row: Selectable<GenerationsTable>) =>
  db.insertInto('generations').values(Object.fromEntries(GENERATION_COLUMNS.map((column) => [column, row[column]])) as Selectable<GenerationsTable>),
);
const runningIn = fixedQuery((db: Kysely<Database>, v: { chatId: string }) =>
  db.selectFrom('generations').select(GENERATION_COLUMNS).where('chat_id', '=', v.chatId).where('state', '=', 'running'),
);
const saveGenerationProgress = fixedQuery((db: Kysely<Database>, v: { id: string; text: string; reasoning: string; now: number }) =>
  db
    .updateTable('generations')
    .set({ text: v.text, reasoning: v.reasoning, heartbeat_at: v.now })
    .where('id', '=', v.id)
    .where('state', '=', 'running')
    .returning('stop_requested'),
);

/** Generations, so that every node knows which chat is generating, what it produced so far, and its last prompt. */
export class GenerationsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(g: GenerationRecord): Promise<void> {
    await insertGeneration(this.#db, {
      id: g.id,
      user_id: g.userId,
      chat_id: g.chatId,
      message_id: g.messageId,
      mode: g.mode,
      slot: g.slot,
      undo_json: g.before ? JSON.stringify(g.before) : null,
      state: g.state,
      text: g.text,
      reasoning: g.reasoning,
      error_code: g.error?.code ?? null,
      error_message: g.error?.message ?? null,
      failure: g.error?.failure ?? null,
      stop_requested: g.stopRequested ? 1 : 0,
      inspection_json: JSON.stringify(g.inspection),
      heartbeat_at: g.heartbeatAt,
      created_at: g.createdAt,
      finished_at: g.finishedAt,
      started_by: g.startedBy ?? null,
    });
  }

  async get(userId: string, id: string): Promise<GenerationRecord | undefined> {
    const row = await this.#db
      .selectFrom('generations')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toGeneration(row);
  }

  /** Any user's generation with this id: a participant of a shared chat reaches the owner's (routes check access). */
  async byId(id: string): Promise<GenerationRecord | undefined> {
    const row = await this.#db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toGeneration(row);
  }

  async running(chatId: string): Promise<GenerationRecord | undefined> {
    const [row] = await runningIn(this.#db, { chatId });
    return row && toGeneration(row);
  }

  /** The chat's newest generation: its inspection is the last prompt sent. */
  async latest(chatId: string): Promise<GenerationRecord | undefined> {
    const row = await this.#db
      .selectFrom('generations')
      .selectAll()
      .where('chat_id', '=', chatId)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toGeneration(row);
  }

  /** Running generations whose node has not moved the heartbeat since `before`. */
  async stale(before: number, limit: number): Promise<GenerationRecord[]> {
    const rows = await this.#db
      .selectFrom('generations')
      .selectAll()
      .where('state', '=', 'running')
      .where('heartbeat_at', '<', before)
      .limit(limit)
      .execute();
    return rows.map(toGeneration);
  }

  /** Deletes the chat's ended generations but `keepId` (the one ending now, whose inspection is the last prompt). */
  async pruneFinished(chatId: string, keepId: string): Promise<void> {
    await this.#db.deleteFrom('generations').where('chat_id', '=', chatId).where('state', '!=', 'running').where('id', '!=', keepId).execute();
  }

  /** Saves the text so far and moves the heartbeat; false when the generation is no longer running here. */
  async saveProgress(id: string, text: string, reasoning: string, now: number): Promise<{ stopRequested: boolean } | undefined> {
    const [row] = await saveGenerationProgress(this.#db, { id, text, reasoning, now });
    return row && { stopRequested: row.stop_requested === 1 };
  }

  /** Asks the node running it to stop (it reads the flag as it saves progress). */
  async requestStop(id: string): Promise<void> {
    await this.#db.updateTable('generations').set({ stop_requested: 1 }).where('id', '=', id).where('state', '=', 'running').execute();
  }

  /** Ends a running generation; false when it had already ended (another node's sweep, say). */
  async finish(
    id: string,
    end: { state: Exclude<GenerationState, 'running'>; text: string; reasoning: string; error: GenerationFailure | null; now: number },
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('generations')
      .set({
        state: end.state,
        text: end.text,
        reasoning: end.reasoning,
        error_code: end.error?.code ?? null,
        error_message: end.error?.message ?? null,
        failure: end.error?.failure ?? null,
        heartbeat_at: end.now,
        finished_at: end.now,
      })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
