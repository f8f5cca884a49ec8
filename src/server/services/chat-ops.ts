import { withReasoning, type ChatOp, type OpResult, type OpsResponse } from '../../shared/api/chats.js';
import type { Clock } from '../clock.js';
import { notFound } from '../errors/api-error.js';
import { chatScope } from '../store/applied-ops-repository.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { Repositories, Store } from '../store/store.js';
import { applyMergePatch } from '../../shared/json-merge-patch.js';
import { withVisibility } from '../../shared/message-visibility.js';
import { isDefaultChatTitle, titleFromOpeningWords } from './chats.js';
import { messageView } from './message-view.js';
import { stillImporting } from './import-leases.js';
import { applyUndo, recordUndo, undoDataOf } from './chat-undo.js';
import { trashMessage, type TrashClock } from './trash.js';

/** How far back a message's own time is believed: a browser offline longer, or with a clock that far off, gets this. */
export const MAX_OFFLINE_MS = 30 * 24 * 3_600_000;

/** The time a message was written, as its client says, bounded: never in the future, never more than 30 days back. */
export function writtenAt(claimed: string | undefined, now: number): number {
  const time = claimed === undefined ? Number.NaN : Date.parse(claimed);
  if (!Number.isFinite(time)) return now;
  return Math.min(now, Math.max(now - MAX_OFFLINE_MS, time));
}

/** The answer to a batch of ops, and who the change concerns when the chat's lock told it: its owner alone, when
 *  no one shared the chat as it was written (undefined: the notice's audience is read as it goes out).
 *  `trashChanged`: a message went into the chat owner's trash or came out of it (a delete, an undone delete), so
 *  the owner's trash page must hear of it, whoever wrote the batch. */
export interface AppliedOps {
  response: OpsResponse;
  participants: string[] | undefined;
  trashChanged: boolean;
}

/** `headerSaved`: the op saved the chat's header as it left it (see applyOne's `lastWrite`); `trashChanged`: see
 *  AppliedOps. */
type Outcome =
  | { status: 'applied'; seq?: number; headerSaved?: boolean; trashChanged?: boolean }
  | { status: 'conflict'; current?: MessageRecord }
  | { status: 'duplicate' };

/**
 * Applies a batch of ops to one chat in ONE transaction, and records each op id in the same transaction,
 * so a batch lands whole or not at all and a resent op is answered "duplicate" without changing anything.
 * The chat's revision moves by one per applied op; each changed message carries the revision that changed it.
 * Batches of many users arriving together share one commit (group commit), each answered only after it.
 */
export async function applyChatOps(
  store: Store,
  clock: Clock,
  userId: string,
  chatId: string,
  ops: readonly ChatOp[],
  trashDays: number,
): Promise<AppliedOps> {
  const applied = await applyToOwnChat(store, clock, userId, chatId, ops, trashDays);
  if (applied) return applied;
  throw (await store.chats.isImporting(userId, chatId)) ? stillImporting() : notFound('Chat');
}

/**
 * applyChatOps on a chat of the user's own, with the chat's lock as the access check: null, with nothing written,
 * when it is not one (shared with the user, being imported, gone), for the caller to find out why.
 */
export async function applyToOwnChat(
  store: Store,
  clock: Clock,
  userId: string,
  chatId: string,
  ops: readonly ChatOp[],
  trashDays: number,
): Promise<AppliedOps | null> {
  return store.transaction(async (repos) => {
    // The lock also claims the first op's id (one round trip fewer on PostgreSQL; a batch holds at least one op).
    const first = { scope: chatScope(chatId), opId: ops[0]!.opId, appliedAt: clock.now() };
    const locked = await repos.chats.lockForOps(userId, chatId, first);
    if (!locked) return null;
    const { response, trashChanged } = await applyToLocked(repos, clock, locked, ops, trashDays);
    return { response, participants: locked.shared ? undefined : [userId], trashChanged };
  }, { grouped: true });
}

async function applyToLocked(
  repos: Repositories,
  clock: Clock,
  { chat, firstOpClaimed }: { chat: ChatRecord; firstOpClaimed: boolean },
  ops: readonly ChatOp[],
  trashDays: number,
): Promise<{ response: OpsResponse; trashChanged: boolean }> {
  const scope = chatScope(chat.id);
  // Read once the lock is held: a chat's times never go back between batches.
  const now = clock.now();
  const results: OpResult[] = [];
  let changed = false;
  let headerSaved = false;
  let trashChanged = false;
  for (const [i, op] of ops.entries()) {
    // The op id is recorded first (one statement tells a resent op), and handed back if the op does not apply.
    if (!(i === 0 ? firstOpClaimed : await repos.appliedOps.claim(scope, op.opId, now))) {
      results.push({ opId: op.opId, status: 'duplicate' });
      continue;
    }
    // The batch's only change, if it applies: it may save the header itself (the usual batch, one append).
    const lastWrite = !changed && i === ops.length - 1;
    const outcome = await applyOne(repos, chat, op, { now, days: trashDays }, lastWrite);
    if (outcome.status === 'applied') {
      changed = true;
      headerSaved = outcome.headerSaved === true;
      trashChanged ||= outcome.trashChanged === true;
    } else await repos.appliedOps.release(scope, op.opId);
    results.push({
      opId: op.opId,
      status: outcome.status,
      ...(outcome.status === 'applied' && outcome.seq !== undefined && { seq: outcome.seq }),
      ...(outcome.status === 'conflict' && outcome.current && { current: messageView(outcome.current) }),
    });
  }
  if (changed && !headerSaved) {
    chat.updatedAt = now;
    await repos.chats.saveHeader(chat);
  }
  return { response: { revision: chat.revision, results }, trashChanged };
}

/**
 * Applies one op to the locked chat (mutating its header fields in memory; the caller saves them once). Edits,
 * deletes, swipe choices, hiding and reasoning edits leave an undo step in the same transaction. `lastWrite`: no
 * other op of the batch changes the chat, so an append saves the header with its message (one round trip on
 * PostgreSQL) and says so.
 */
async function applyOne(repos: Repositories, chat: ChatRecord, op: ChatOp, at: TrashClock, lastWrite: boolean): Promise<Outcome> {
  const chats = repos.chats;
  const now = at.now;
  switch (op.type) {
    case 'append': {
      // A chat still under its made-up title is named after the user's first words (an import keeps its file's name).
      const firstWords =
        op.message.role === 'user' && !chat.imported && isDefaultChatTitle(chat.title) && !(await chats.hasMessageFrom(chat.id, 'user'));
      const seq = chat.nextSeq;
      const revision = chat.revision + 1;
      const message: MessageRecord = {
        seq,
        id: op.message.id,
        role: op.message.role,
        name: op.message.name,
        content: op.message.content,
        swipes: [],
        swipeIndex: 0,
        extra: op.message.extra ?? {},
        imported: null,
        status: 'complete',
        revision,
        hidden: false,
        bookmarkedAt: null,
        createdAt: writtenAt(op.message.createdAt, now),
      };
      const after: ChatRecord = {
        ...chat,
        title: firstWords ? (titleFromOpeningWords(op.message.content) ?? chat.title) : chat.title,
        revision,
        nextSeq: seq + 1,
        messageCount: chat.messageCount + 1,
        updatedAt: lastWrite ? now : chat.updatedAt,
      };
      // The message id is an idempotency key too: the same message sent under a new opId is still a duplicate.
      const inserted = lastWrite ? await chats.insertMessageSavingHeader(after, message) : await chats.insertMessageIfNew(chat.id, message);
      if (!inserted) return { status: 'duplicate' };
      Object.assign(chat, after);
      return { status: 'applied', seq, headerSaved: lastWrite };
    }
    case 'edit': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      if (op.baseRevision !== undefined && message.revision > op.baseRevision) return { status: 'conflict', current: message };
      const swipes = message.swipes.length > 0 ? message.swipes.with(message.swipeIndex, op.content) : [];
      await chats.updateMessage(chat.id, message.seq, { content: op.content, swipes, revision: ++chat.revision });
      await recordUndo(repos, chat.id, op.opId, undoDataOf(op, message, chat.revision), now);
      return { status: 'applied' };
    }
    case 'delete': {
      const message = await chats.message(chat.id, op.messageId);
      // Deleting what is already gone is what the client wanted: applied, not an error.
      chat.revision += 1;
      if (message) {
        const trashId = await trashMessage(repos, chat, message, at);
        chat.messageCount -= 1;
        await recordUndo(repos, chat.id, op.opId, undoDataOf(op, message, chat.revision, trashId), now);
      }
      return { status: 'applied', trashChanged: message !== undefined };
    }
    case 'addSwipe': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      const swipes = [...(message.swipes.length > 0 ? message.swipes : [message.content]), op.content];
      await chats.updateMessage(chat.id, message.seq, {
        content: op.content,
        swipes,
        swipeIndex: swipes.length - 1,
        revision: ++chat.revision,
      });
      return { status: 'applied' };
    }
    case 'selectSwipe': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      const count = Math.max(message.swipes.length, 1);
      if (op.index >= count) return { status: 'conflict', current: message };
      await chats.updateMessage(chat.id, message.seq, {
        content: message.swipes[op.index] ?? message.content,
        swipeIndex: op.index,
        revision: ++chat.revision,
      });
      await recordUndo(repos, chat.id, op.opId, undoDataOf(op, message, chat.revision), now);
      return { status: 'applied' };
    }
    case 'setReasoning': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      if (op.baseRevision !== undefined && message.revision > op.baseRevision) return { status: 'conflict', current: message };
      await chats.updateMessage(chat.id, message.seq, { extra: withReasoning(message.extra, op.reasoning), revision: ++chat.revision });
      await recordUndo(repos, chat.id, op.opId, undoDataOf(op, message, chat.revision), now);
      return { status: 'applied' };
    }
    case 'setTitle':
      chat.title = op.title;
      chat.revision += 1;
      return { status: 'applied' };
    case 'setMetadata':
      chat.metadata = applyMergePatch(chat.metadata, op.patch);
      chat.revision += 1;
      return { status: 'applied' };
    case 'setHidden': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      // Only the flag changes, not the text: the message keeps its revision (see message-visibility.ts).
      const { hidden } = withVisibility(message, op);
      if (hidden !== message.hidden) {
        await chats.updateMessage(chat.id, message.seq, { hidden });
        await recordUndo(repos, chat.id, op.opId, undoDataOf(op, message, chat.revision + 1), now);
      }
      chat.revision += 1;
      return { status: 'applied' };
    }
    case 'setBookmark': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      // A mark of the user's, not part of the text: the message keeps its revision, as with hiding.
      if (op.bookmarked !== (message.bookmarkedAt !== null)) await chats.setBookmark(chat.id, message.seq, op.bookmarked ? now : null);
      chat.revision += 1;
      return { status: 'applied' };
    }
    case 'undo':
      return applyUndo(repos, chat, op.opId, op.target, now);
    case 'setPersona':
      chat.personaId = op.personaId;
      chat.revision += 1;
      return { status: 'applied' };
  }
}
