import type { ReplyStats, ReplyUsage } from '../../shared/api/generation.js';
import type { MessageRecord } from '../store/chats-repository.js';
import type { MessageBefore, ReplySlot } from '../store/generations-repository.js';

export interface ReplyFields {
  content: string;
  swipes: string[];
  swipeIndex: number;
}

/** The message fields that hold `text` produced into a slot over `base`, the message's fields before the generation
 *  (null for a new message; the composer has none: nothing is stored). */
export function replyFields(slot: Exclude<ReplySlot, 'composer'>, base: ReplyFields | null, text: string): ReplyFields {
  if (slot === 'message' || !base) return { content: text, swipes: [], swipeIndex: 0 };
  if (slot === 'swipe') {
    const swipes = base.swipes.length > 0 ? base.swipes : [base.content];
    return { content: text, swipes: [...swipes, text], swipeIndex: swipes.length };
  }
  const content = base.content + text;
  return { content, swipes: base.swipes.length > 0 ? base.swipes.with(base.swipeIndex, content) : [], swipeIndex: base.swipeIndex };
}

/**
 * The message's fields before a swipe or continuation, from `before` and the swipes its message holds now, as the
 * generation wrote them: the old ones followed by the new swipe, or the old ones with the continued one extended.
 */
export function fieldsBefore(slot: 'swipe' | 'continue', before: MessageBefore, message: Pick<MessageRecord, 'swipes'>): ReplyFields {
  const { content, swipeIndex, swipeCount } = before;
  const swipes =
    swipeCount === 0
      ? []
      : slot === 'swipe'
        ? message.swipes.slice(0, swipeCount)
        : message.swipes.map((swipe, i) => (i === swipeIndex ? content : swipe));
  return { content, swipes, swipeIndex };
}

/**
 * The message's `extra` once `reasoning` and `usage` were produced into a slot, from the extra it had before: a new
 * reply or swipe has its own reasoning and usage (the replaced swipe's go), a continued reply adds its reasoning
 * to what the message had. Reasoning is SillyTavern's `extra.reasoning`; nothing puts it back into a prompt.
 * `stopped` (Parley's: the user stopped the reply) belongs to the generation that wrote it and is set at its end.
 */
export function replyExtra(
  slot: Exclude<ReplySlot, 'composer'>,
  base: Record<string, unknown>,
  reasoning: string,
  usage: ReplyUsage | null,
): Record<string, unknown> {
  // A new swipe's times and count are its own (a continuation's are written again at its end).
  const { reasoning: previous, usage: previousUsage, token_count: _count, gen_started: _started, gen_finished: _finished, stopped: _stopped, ...rest } =
    base;
  const continued = slot === 'continue';
  const kept = continued && typeof previous === 'string' ? previous : '';
  const joined = [kept, reasoning.trim()].filter(Boolean).join('\n\n');
  const keptUsage = usage ?? (continued ? previousUsage : undefined);
  return { ...rest, ...(joined && { reasoning: joined }), ...(keptUsage !== undefined && { usage: keptUsage }) };
}

/** SillyTavern's record of a finished reply: its tokens (the whole text, as SillyTavern counts a continued one), when it
 *  was started and finished (ISO, as SillyTavern's Dates serialize), and the connection's api and model. */
export function replyStats(
  stats: { countTokens: (text: string) => number; api: string; model: string; startedAt: number },
  content: string,
  finishedAt: number,
): ReplyStats {
  return {
    token_count: stats.countTokens(content),
    gen_started: new Date(stats.startedAt).toISOString(),
    gen_finished: new Date(finishedAt).toISOString(),
    api: stats.api,
    model: stats.model,
  };
}
