import type { ChatOp } from '../../shared/api/chats.js';
import type { UndoStepView } from '../../shared/api/history.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { UndoStep } from '../store/chat-undo-repository.js';
import type { Repositories } from '../store/store.js';
import { restoreMessageInto } from './trash.js';

/**
 * What an undo step keeps: the message's state the op replaced, and the revision the op gave it, so that an undo
 * of a message changed since (by another device, a reply) is a conflict rather than a silent loss.
 */
type UndoData =
  | { kind: 'edit'; messageId: string; after: number; content: string; swipes: string[]; revision: number }
  | { kind: 'setReasoning'; messageId: string; after: number; extra: Record<string, unknown>; revision: number }
  | { kind: 'selectSwipe'; messageId: string; after: number; content: string; swipeIndex: number; revision: number }
  | { kind: 'setHidden'; messageId: string; hidden: boolean }
  | { kind: 'delete'; messageId: string; trashId: string };

export type UndoableOp = Extract<ChatOp, { type: UndoData['kind'] }>;

/** The undo data of an op just applied to `before` (the message as it was), given the revision it now has. */
export function undoDataOf(op: UndoableOp, before: MessageRecord, after: number, trashId?: string): UndoData {
  switch (op.type) {
    case 'edit':
      return { kind: 'edit', messageId: before.id, after, content: before.content, swipes: before.swipes, revision: before.revision };
    case 'setReasoning':
      return { kind: 'setReasoning', messageId: before.id, after, extra: before.extra, revision: before.revision };
    case 'selectSwipe':
      return { kind: 'selectSwipe', messageId: before.id, after, content: before.content, swipeIndex: before.swipeIndex, revision: before.revision };
    case 'setHidden':
      return { kind: 'setHidden', messageId: before.id, hidden: before.hidden };
    case 'delete':
      return { kind: 'delete', messageId: before.id, trashId: trashId! };
  }
}

export async function recordUndo(repos: Repositories, chatId: string, opId: string, data: UndoData, now: number): Promise<void> {
  await repos.chatUndo.push(chatId, opId, data.kind, data, now);
}

/** `trashChanged`: the undo took a deleted message back out of the owner's trash. */
export type UndoOutcome = { status: 'applied'; trashChanged?: boolean } | { status: 'conflict'; current?: MessageRecord } | { status: 'duplicate' };

/**
 * Takes back op `target`, which must be the chat's newest step not undone yet. Undoing a step someone else has
 * already undone is a `duplicate` (both devices wanted the same); anything else out of order is a `conflict`.
 */
export async function applyUndo(repos: Repositories, chat: ChatRecord, undoOpId: string, target: string, now: number): Promise<UndoOutcome> {
  const known = await repos.chatUndo.byOpId(chat.id, target);
  if (known?.undoneBy) return { status: 'duplicate' };
  const [newest] = await repos.chatUndo.open(chat.id, 1);
  if (!newest || newest.opId !== target) return { status: 'conflict' };
  const data = newest.undo as UndoData;
  const chats = repos.chats;
  if (data.kind === 'delete') {
    if (!(await repos.trash.message(data.trashId))) {
      // Restored from the trash page meanwhile (what this undo wanted), or purged: the step is spent either way, so
      // it does not stand before the older steps for good.
      await repos.chatUndo.markUndone(chat.id, newest.step, undoOpId);
      return (await chats.message(chat.id, data.messageId)) ? { status: 'duplicate' } : { status: 'conflict' };
    }
    try {
      await restoreMessageInto(repos, chat, data.trashId, now);
    } catch {
      // A message with its id is in the chat again (restoreMessageInto checks before it writes).
      return { status: 'conflict' };
    }
  } else {
    const message = await chats.message(chat.id, data.messageId);
    if (!message) return { status: 'conflict' };
    if ('after' in data && message.revision !== data.after) return { status: 'conflict', current: message };
    switch (data.kind) {
      case 'edit':
        await chats.updateMessage(chat.id, message.seq, { content: data.content, swipes: data.swipes, revision: ++chat.revision });
        break;
      case 'setReasoning':
        await chats.updateMessage(chat.id, message.seq, { extra: data.extra, revision: ++chat.revision });
        break;
      case 'selectSwipe':
        await chats.updateMessage(chat.id, message.seq, { content: data.content, swipeIndex: data.swipeIndex, revision: ++chat.revision });
        break;
      case 'setHidden':
        await chats.updateMessage(chat.id, message.seq, { hidden: data.hidden });
        chat.revision += 1;
        break;
    }
  }
  await repos.chatUndo.markUndone(chat.id, newest.step, undoOpId);
  return { status: 'applied', trashChanged: data.kind === 'delete' };
}

export function undoStepView(step: UndoStep): UndoStepView {
  const data = step.undo as UndoData;
  return { opId: step.opId, kind: data.kind, messageId: data.messageId, createdAt: new Date(step.createdAt).toISOString() };
}
