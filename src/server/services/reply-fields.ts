import type { MessageBefore, ReplySlot } from '../store/generations-repository.js';

export interface ReplyFields {
  content: string;
  swipes: string[];
  swipeIndex: number;
}

/** The message fields that hold `text` produced into a slot (the composer has none: nothing is stored). */
export function replyFields(slot: Exclude<ReplySlot, 'composer'>, before: MessageBefore | null, text: string): ReplyFields {
  if (slot === 'message' || !before) return { content: text, swipes: [], swipeIndex: 0 };
  if (slot === 'swipe') {
    const base = before.swipes.length > 0 ? before.swipes : [before.content];
    return { content: text, swipes: [...base, text], swipeIndex: base.length };
  }
  const content = before.content + text;
  return { content, swipes: before.swipes.length > 0 ? before.swipes.with(before.swipeIndex, content) : [], swipeIndex: before.swipeIndex };
}
