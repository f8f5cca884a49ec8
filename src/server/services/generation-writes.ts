import { randomUUID } from 'node:crypto';
import type { GenerationMode, GenerationState, ReplyUsage } from '../../shared/api/generation.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type {
  GenerationFailure,
  GenerationRecord,
  MessageBefore,
  ReplySlot,
} from '../store/generations-repository.js';
import type { Repositories, Store } from '../store/store.js';
import type { GenerationPlan } from './generation-plan.js';
import { fieldsBefore, replyExtra, replyFields, replyStats, type ReplyFields } from './reply-fields.js';

/** How often a running generation moves its heartbeat when no text arrives (text saves move it too). */
export const HEARTBEAT_MS = 5_000;
/** A running generation whose heartbeat is older than this was left by a node that stopped. */
export const STALE_AFTER_MS = 30_000;

/** The message a generation writes into, as it was when the generation started. */
export interface ReplyMessage {
  id: string;
  seq: number;
  /** The message's revision at the start; a different one means someone else changed it meanwhile. */
  revision: number;
}

/** What a generation is known by before its transaction: the start event and the listeners need it at once. */
export type GenerationIdentity = Pick<GenerationRecord, 'id' | 'userId' | 'chatId' | 'mode' | 'slot' | 'messageId' | 'startedBy'> & {
  /** Group chats: who speaks, and who is chosen to speak next (told to the client in the start event). */
  group?: GenerationPlan['group'];
};

export interface StartedGeneration {
  record: GenerationRecord;
  /** null for an impersonation (the composer). */
  message: ReplyMessage | null;
  /** A swiped or continued message's fields before the generation, which its text is written over (null: a new message). */
  base: ReplyFields | null;
  /** The message's `extra` before the generation wrote reasoning and usage into it. */
  baseExtra: Record<string, unknown>;
  /** The connection it runs on, for its usage row. */
  connection: { id: string; api: string; model: string };
  chatRevision: number;
  /** Counts the finished reply's tokens. */
  countTokens: (text: string) => number;
}

export type GenerationEnd = {
  state: Exclude<GenerationState, 'running' | 'failed'>;
  text: string;
  reasoning: string;
  /** Token counts, when the API reported them (stored with the reply and in the usage table). */
  usage?: ReplyUsage | null;
  /** What the reply records about itself (set when this node ends it; absent for one left by a dead node). */
  stats?: { countTokens: (text: string) => number; api: string; model: string; startedAt: number } | null;
  error: GenerationFailure | null;
};

export interface EndedGeneration {
  state: Exclude<GenerationState, 'running'>;
  /** The chat's revision after the end (unchanged when nothing in the chat changed). */
  revision: number;
  /** False when the message was undone (nothing produced), was changed by someone else, or there is none. */
  kept: boolean;
  error: GenerationFailure | null;
}

const ORPHANED: GenerationFailure = {
  code: 'internal_error',
  message: 'The server writing this reply stopped before it finished; the text it had written is kept, marked as cut.',
  failure: null,
};
const SUPERSEDED: GenerationFailure = {
  code: 'conflict',
  message: 'The reply was edited, swiped or deleted while it was being written, so the generation stopped; that change was kept.',
  failure: null,
};

/** Where the generation's text will go, and the id of the message that will hold it. */
export function generationIdentity(
  plan: GenerationPlan,
  request: { id: string; userId: string; mode: GenerationMode; startedBy: string },
): GenerationIdentity {
  const target = plan.assembled.target;
  const slot: ReplySlot = request.mode === 'impersonate' ? 'composer' : !target ? 'message' : request.mode === 'continue' ? 'continue' : 'swipe';
  const messageId = slot === 'composer' ? null : slot === 'message' || !target ? randomUUID() : target.id;
  return { ...request, chatId: plan.chat.id, slot, messageId, ...(plan.group && { group: plan.group }) };
}

/** Refuses (409) while a live generation runs in the chat; returns one left by a dead node, to be ended. */
export async function refuseIfGenerating(repos: Repositories, chatId: string, now: number): Promise<GenerationRecord | undefined> {
  const running = await repos.generations.running(chatId);
  if (running && running.heartbeatAt >= now - STALE_AFTER_MS) {
    // In a shared chat the one who waits is told who is generating.
    const by = running.startedBy ? (await repos.users.byId(running.startedBy))?.handle : undefined;
    const message = by
      ? `${by} is generating a reply in this chat; stop it or wait for it.`
      : 'A reply is already being generated in this chat; stop it or wait for it.';
    throw new ApiError('conflict', message, { generationId: running.id, ...(by && { startedBy: by }) });
  }
  return running;
}

/**
 * Starts a generation in one transaction: refuses a second one in the chat (409), ends one left by a dead node,
 * creates the reply's place (a new message, a new swipe, or the continued message, status 'streaming'), moves the
 * chat revision, and records the generation with its prompt. A reply being replaced or continued that changed since
 * the prompt was read is a 409 too; a message appended meanwhile simply comes before the new reply.
 */
export async function beginGeneration(store: Store, plan: GenerationPlan, g: GenerationIdentity, now: number): Promise<StartedGeneration> {
  return store.transaction(async (repos) => {
    const chat = await repos.chats.lockForWrite(g.userId, g.chatId);
    if (!chat) throw notFound('Chat');
    const running = await refuseIfGenerating(repos, chat.id, now);
    if (running) await endInTransaction(repos, chat, running, (m) => m.status === 'streaming', orphanedEnd(running), now);

    const target = plan.assembled.target;
    let message: ReplyMessage | null = null;
    let before: MessageBefore | null = null;
    let base: ReplyFields | null = null;
    let baseExtra: Record<string, unknown> = {};
    if (g.slot === 'message' && g.messageId) {
      message = { id: g.messageId, seq: chat.nextSeq, revision: ++chat.revision };
      baseExtra = { api: plan.connection.api, model: plan.connection.model };
      await repos.chats.insertMessages(chat.id, [
        {
          ...message,
          role: 'assistant',
          name: plan.characterName,
          speakerId: plan.group?.speakerId ?? null,
          content: '',
          swipes: [],
          swipeIndex: 0,
          extra: baseExtra,
          imported: null,
          status: 'streaming',
          hidden: false,
          bookmarkedAt: null,
          createdAt: now,
        },
      ]);
      chat.nextSeq += 1;
      chat.messageCount += 1;
    } else if (g.slot !== 'composer' && target) {
      const last = await repos.chats.lastMessage(chat.id);
      if (last?.id !== target.id || last.revision !== target.revision) {
        throw new ApiError('conflict', 'The last reply changed while the prompt was being prepared; generate again.');
      }
      before = { content: last.content, swipeIndex: last.swipeIndex, swipeCount: last.swipes.length, status: last.status, extra: last.extra };
      base = { content: last.content, swipes: last.swipes, swipeIndex: last.swipeIndex };
      baseExtra = last.extra;
      message = { id: last.id, seq: last.seq, revision: ++chat.revision };
      await repos.chats.writeReply(
        chat.id,
        last.seq,
        { ...replyFields(g.slot, base, ''), extra: replyExtra(g.slot, baseExtra, '', null), status: 'streaming', revision: message.revision },
        last.revision,
      );
    }
    // World info's timed effects (sticky, cooldown) start with the prompt that activated them, as in SillyTavern.
    if (plan.metadataPatch) chat.metadata = { ...chat.metadata, ...plan.metadataPatch };
    chat.updatedAt = now;
    await repos.chats.saveHeader(chat);
    await repos.connections.markUsed(g.userId, plan.connection.id, now);
    const record: GenerationRecord = {
      ...g,
      before,
      state: 'running',
      text: '',
      reasoning: '',
      error: null,
      stopRequested: false,
      inspection: plan.assembled.inspection,
      heartbeatAt: now,
      createdAt: now,
      finishedAt: null,
    };
    await repos.generations.insert(record);
    const { id, api, model } = plan.connection;
    return { record, message, base, baseExtra, connection: { id, api, model }, chatRevision: chat.revision, countTokens: plan.countTokens };
    // The first token waits on this commit; the reply's place needs no disk sync until it holds text,
    // and the durable commit that ends the generation makes it durable anyway.
  }, { durable: false });
}

/**
 * Saves the text so far into the message and the generation, and moves the heartbeat. 'superseded' when the
 * message was changed by someone else or the generation is gone (chat deleted, ended by another node).
 */
export async function saveProgress(
  store: Store,
  started: StartedGeneration,
  progress: { text: string; reasoning: string },
  now: number,
): Promise<{ stopRequested: boolean } | 'superseded'> {
  const { record, message } = started;
  const { text, reasoning } = progress;
  return store.transaction(async (repos) => {
    if (message && record.slot !== 'composer') {
      const reply = {
        ...replyFields(record.slot, started.base, text),
        extra: replyExtra(record.slot, started.baseExtra, reasoning, null),
        status: 'streaming' as const,
        revision: message.revision,
      };
      if (!(await repos.chats.writeReply(record.chatId, message.seq, reply, message.revision))) return 'superseded';
    }
    return (await repos.generations.saveProgress(record.id, text, reasoning, now)) ?? 'superseded';
    // Progress survives a crash of the process (it is in the WAL); a power cut may take the last few
    // hundred milliseconds of it. The end of the generation is a durable commit.
  }, { durable: false });
}

/** Ends a generation this node ran: the final text and status, or the undo when nothing was produced. */
export async function finishGeneration(store: Store, started: StartedGeneration, end: GenerationEnd, now: number): Promise<EndedGeneration> {
  const { record, message } = started;
  return store.transaction(async (repos) => {
    const chat = await repos.chats.lockForWrite(record.userId, record.chatId);
    // The chat was deleted: its generations went with it.
    if (!chat) return { state: 'failed', revision: 0, kept: false, error: { code: 'not_found', message: 'The chat was deleted.', failure: null } };
    if (end.usage) {
      const { connection } = started;
      await repos.usage.insert({
        id: record.id,
        userId: record.userId,
        connectionId: connection.id,
        chatId: record.chatId,
        api: connection.api,
        model: connection.model,
        usage: end.usage,
        createdAt: now,
      });
    }
    const { api, model } = started.connection;
    const stats = { countTokens: started.countTokens, api, model, startedAt: record.createdAt };
    return endInTransaction(repos, chat, record, (m) => m.revision === message?.revision, { ...end, stats }, now);
  });
}

/** How a generation left by a stopped node ends: cut, with the text and reasoning it had saved. */
const orphanedEnd = (g: GenerationRecord): GenerationEnd => ({ state: 'cut', text: g.text, reasoning: g.reasoning, error: ORPHANED });

/** Ends the running generations whose node stopped moving their heartbeat before `before`. */
export async function endStaleGenerations(store: Store, before: number, now: number, limit: number): Promise<Array<GenerationRecord & EndedGeneration>> {
  const ended: Array<GenerationRecord & EndedGeneration> = [];
  for (const stale of await store.generations.stale(before, limit)) {
    const result = await store.transaction(async (repos) => {
      const chat = await repos.chats.lockForWrite(stale.userId, stale.chatId);
      const current = chat && (await repos.generations.running(stale.chatId));
      // Another node may have ended or refreshed it since the list was read.
      if (!chat || !current || current.id !== stale.id || current.heartbeatAt >= before) return undefined;
      return endInTransaction(repos, chat, current, (m) => m.status === 'streaming', orphanedEnd(current), now);
    });
    if (result) ended.push({ ...stale, ...result });
  }
  return ended;
}

/** The end of a generation inside a transaction holding the chat's lock; `ours` tells whether the message is still
 *  the generation's to write (no one changed it since). */
async function endInTransaction(
  repos: Repositories,
  chat: ChatRecord,
  record: GenerationRecord,
  ours: (message: MessageRecord) => boolean,
  end: GenerationEnd,
  now: number,
): Promise<EndedGeneration> {
  let state: EndedGeneration['state'] = end.state;
  let error = end.error;
  let kept = false;
  const current = record.messageId ? await repos.chats.message(chat.id, record.messageId) : undefined;
  if (record.slot !== 'composer') {
    if (!current || !ours(current)) {
      state = 'failed';
      error = SUPERSEDED;
      // An edit leaves the message marked as streaming; it is finished now, with the user's text.
      if (current?.status === 'streaming') {
        await repos.chats.updateMessage(chat.id, current.seq, { status: 'complete', revision: ++chat.revision });
      }
    } else if (end.text === '' && end.reasoning === '') {
      // Nothing was produced: the chat goes back to how it was.
      state = end.state === 'complete' || end.state === 'stopped' ? end.state : 'failed';
      if (record.slot === 'message' || !record.before) {
        await repos.chats.deleteMessage(chat.id, current.seq);
        chat.messageCount -= 1;
        chat.revision += 1;
      } else {
        const { status, extra } = record.before;
        const restored = { ...fieldsBefore(record.slot, record.before, current), status, ...(extra && { extra }) };
        await repos.chats.updateMessage(chat.id, current.seq, { ...restored, revision: ++chat.revision });
      }
    } else {
      const status = end.state === 'cut' ? 'cut' : 'complete';
      // The message is the generation's (`ours`), so its swipes are the ones it had before and this reply's.
      const before = record.slot !== 'message' && record.before ? fieldsBefore(record.slot, record.before, current) : null;
      // A new message's extra is its own; a swipe's or a continuation's starts from the message's before the generation.
      const base = record.slot === 'message' ? current.extra : (record.before?.extra ?? current.extra);
      const fields = replyFields(record.slot, before, end.text);
      const extra = replyExtra(record.slot, base, end.reasoning, end.usage ?? null);
      await repos.chats.updateMessage(chat.id, current.seq, {
        ...fields,
        extra: { ...extra, ...(end.stats && replyStats(end.stats, fields.content, now)), ...(end.state === 'stopped' && { stopped: true }) },
        status,
        revision: ++chat.revision,
      });
      kept = true;
    }
    chat.updatedAt = now;
    await repos.chats.saveHeader(chat);
  }
  await repos.generations.finish(record.id, { state, text: end.text, reasoning: end.reasoning, error, now });
  // Done here rather than as the next generation starts, where it would delay that one's first token.
  await repos.generations.pruneFinished(chat.id, record.id);
  return { state, revision: chat.revision, kept, error };
}
