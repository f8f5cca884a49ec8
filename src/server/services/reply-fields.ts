import type { ReplyStats, ReplyUsage } from '../../shared/api/generation.js';
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
