import type { Message, SetHiddenOp } from './api/chats.js';

/**
 * How a `setHidden` op changes a message, for the server that stores it and the client that shows it before the
 * server has it: only the flag moves. Text, swipes and the message's revision stay, so hiding never conflicts with
 * an edit or stops a reply being written into the message.
 */
export function withVisibility<M extends Pick<Message, 'hidden'>>(message: M, op: Pick<SetHiddenOp, 'hidden'>): M {
  return message.hidden === op.hidden ? message : { ...message, hidden: op.hidden };
}

/** Whether the model reads the message: SillyTavern leaves `is_system` messages out of the prompt the same way. */
export const isInPrompt = (message: Pick<Message, 'hidden'>): boolean => !message.hidden;
