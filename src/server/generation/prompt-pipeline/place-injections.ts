import type { ChatItem, DepthPart, PromptPart } from './prompt-parts.js';

/** SillyTavern injects at depths 0 to 1000; deeper parts are not sent. */
export const MAX_INJECTION_DEPTH = 1000;

/** At one depth and order SillyTavern puts the system part nearest the end, then the user's, then the assistant's. */
const ROLE_ORDER = { system: 0, user: 1, assistant: 2 } as const;
const DEFAULT_ORDER = 100;

/**
 * Stage 3: the chat with the parts placed at a depth, as SillyTavern's doChatInject does: depth 0 after the
 * newest message, n before the n newest, a depth past the oldest message first; at one depth a higher
 * injection_order nearer the end. When continuing, the continued
 * reply (the open turn, not in `history`) is the newest message, so depth 0 and 1 both go before it.
 *
 * Placed in the whole history, before the budget is fitted: the budget then drops only history messages, oldest
 * first, which leaves each injection where placing it in the kept messages alone would have put it.
 */
export function placeInjections(history: readonly PromptPart[], injections: readonly DepthPart[], continuing: boolean): ChatItem[] {
  const sorted = injections
    .filter((j) => j.depth <= MAX_INJECTION_DEPTH)
    .sort((a, b) => a.depth - b.depth || (b.order ?? DEFAULT_ORDER) - (a.order ?? DEFAULT_ORDER) || ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
  // Newest first, so a depth is an index.
  const reversed: ChatItem[] = history.map((part) => ({ part, injected: false })).reverse();
  let inserted = 0;
  for (let i = 0; i < sorted.length; ) {
    const depth = (sorted[i] as DepthPart).depth;
    const here: ChatItem[] = [];
    while (i < sorted.length && (sorted[i] as DepthPart).depth === depth) here.push({ part: sorted[i++] as DepthPart, injected: true });
    const at = Math.min((continuing ? Math.max(depth - 1, 0) : depth) + inserted, reversed.length);
    reversed.splice(at, 0, ...here);
    inserted += here.length;
  }
  return reversed.reverse();
}
