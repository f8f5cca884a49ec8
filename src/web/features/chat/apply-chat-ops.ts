import { withReasoning, type ChatOp, type Message } from '../../../shared/api/chats.js';
import { withVisibility } from '../../../shared/message-visibility.js';

/** A message as a view shows it: `pending` while a change to it waits in the outbox. */
export type ViewMessage = Message & { pending?: boolean };

/** What the server's display scripts made of a text is stale once the text changes here; the next read brings it. */
function withoutDisplay(message: ViewMessage, field: 'displayText' | 'displayReasoning'): ViewMessage {
  const { [field]: _stale, ...rest } = message;
  return rest;
}
const textChanged = (message: ViewMessage) => withoutDisplay(message, 'displayText');

/**
 * Applies chat ops to a list of messages the way the server applies them (src/server/services/chat-ops.ts), so
 * what the outbox holds can be shown before the server has it. Ops that no longer fit (a message deleted
 * elsewhere) change nothing here; the server will answer them with a conflict the user gets to see.
 */
export function applyChatOps(messages: readonly ViewMessage[], ops: readonly ChatOp[], pending: boolean): ViewMessage[] {
  if (ops.length === 0) return messages as ViewMessage[];
  const list = [...messages];
  const indexOf = (id: string) => list.findIndex((message) => message.id === id);
  const mark = pending ? { pending: true } : {};
  for (const op of ops) {
    switch (op.type) {
      case 'append': {
        if (indexOf(op.message.id) !== -1) break;
        const last = list.at(-1);
        list.push({
          id: op.message.id,
          seq: (last?.seq ?? -1) + 1,
          role: op.message.role,
          name: op.message.name,
          content: op.message.content,
          swipes: [],
          swipeIndex: 0,
          createdAt: op.message.createdAt ?? new Date().toISOString(),
          extra: op.message.extra ?? {},
          revision: last?.revision ?? 0,
          status: 'complete',
          hidden: false,
          bookmarked: false,
          ...mark,
        });
        break;
      }
      case 'edit': {
        const at = indexOf(op.messageId);
        const message = list[at];
        if (!message) break;
        const swipes = message.swipes.length > 0 ? message.swipes.with(message.swipeIndex, op.content) : [];
        list[at] = { ...textChanged(message), content: op.content, swipes, ...mark };
        break;
      }
      case 'delete': {
        const at = indexOf(op.messageId);
        if (at !== -1) list.splice(at, 1);
        break;
      }
      case 'addSwipe': {
        const at = indexOf(op.messageId);
        const message = list[at];
        if (!message) break;
        const swipes = [...(message.swipes.length > 0 ? message.swipes : [message.content]), op.content];
        list[at] = { ...textChanged(message), content: op.content, swipes, swipeIndex: swipes.length - 1, ...mark };
        break;
      }
      case 'selectSwipe': {
        const at = indexOf(op.messageId);
        const message = list[at];
        if (!message || op.index >= Math.max(message.swipes.length, 1)) break;
        list[at] = { ...textChanged(message), content: message.swipes[op.index] ?? message.content, swipeIndex: op.index, ...mark };
        break;
      }
      case 'setReasoning': {
        const at = indexOf(op.messageId);
        const message = list[at];
        if (message) list[at] = { ...withoutDisplay(message, 'displayReasoning'), extra: withReasoning(message.extra, op.reasoning), ...mark };
        break;
      }
      case 'setHidden': {
        const at = indexOf(op.messageId);
        const message = list[at];
        if (!message) break;
        list[at] = { ...withVisibility(message, op), ...mark };
        break;
      }
      case 'setBookmark': {
        const at = indexOf(op.messageId);
        const message = list[at];
        if (message) list[at] = { ...message, bookmarked: op.bookmarked, ...mark };
        break;
      }
      // An undo restores what only the server kept (the text before an edit, a deleted message): shown once it answers.
      case 'undo':
      case 'setTitle':
      case 'setMetadata':
      case 'setPersona':
        break;
    }
  }
  return list;
}
