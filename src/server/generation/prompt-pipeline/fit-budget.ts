import type { ChatItem, PromptPart } from './prompt-parts.js';

/** Rounds of trimming after the exact count; each drops at least what the count exceeded by, so one suffices. */
const MAX_FIT_ROUNDS = 4;

export interface BudgetCosts {
  /** Tokens of what is always sent: the system block without examples, the injections, the tail, the open turn. */
  fixed: number;
  /** Tokens one history message costs, formatting included. */
  message(part: PromptPart): number;
  /** Tokens one example block adds to the system block. */
  example(part: PromptPart): number;
}

export interface FittedPrompt<R> {
  /** The chat as sent: the kept messages and every injection. */
  chat: ChatItem[];
  examples: PromptPart[];
  /** History messages left out (always the oldest). */
  dropped: number;
  rendered: R;
  totalTokens: number;
}

/**
 * Stage 4: what fits in `budget` tokens. The fixed parts come first; then history newest-first until the budget is
 * spent (the newest message always goes, so an overlong chat is reported as not fitting instead of losing the
 * user's last words); then example blocks while they fit, as SillyTavern pushes examples out as a chat grows.
 * Costs counted piece by piece can fall a few tokens short of the joined prompt's exact count (BPE splits a joined
 * text differently), so `measure` renders and counts the result, and examples, then the oldest messages, are
 * dropped until the exact count fits.
 */
export function fitBudget<R>(
  chat: readonly ChatItem[],
  examples: readonly PromptPart[],
  budget: number,
  costs: BudgetCosts,
  measure: (chat: ChatItem[], examples: PromptPart[]) => { rendered: R; tokens: number },
): FittedPrompt<R> {
  let remaining = budget - costs.fixed;
  const messages = chat.filter((item) => !item.injected);
  const kept: { part: PromptPart; cost: number }[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const part = (messages[i] as ChatItem).part;
    const cost = costs.message(part);
    if (cost > remaining && kept.length > 0) break;
    remaining -= cost;
    kept.push({ part, cost });
  }
  kept.reverse();
  const keptExamples: { part: PromptPart; cost: number }[] = [];
  for (const part of examples) {
    const cost = costs.example(part);
    if (cost > remaining) break;
    remaining -= cost;
    keptExamples.push({ part, cost });
  }

  const select = () => {
    const keptParts = new Set(kept.map((k) => k.part));
    // Dropped messages are the oldest, so every injection placed among them is now before the kept ones.
    return chat.filter((item) => item.injected || keptParts.has(item.part));
  };
  let selected = select();
  let { rendered, tokens } = measure(selected, keptExamples.map((e) => e.part));
  for (let round = 0; tokens > budget && round < MAX_FIT_ROUNDS; round++) {
    let excess = tokens - budget;
    const before = keptExamples.length + kept.length;
    while (excess > 0 && keptExamples.length > 0) excess -= keptExamples.pop()!.cost;
    while (excess > 0 && kept.length > 1) excess -= kept.shift()!.cost;
    if (keptExamples.length + kept.length === before) break;
    selected = select();
    ({ rendered, tokens } = measure(selected, keptExamples.map((e) => e.part)));
  }
  return { chat: selected, examples: keptExamples.map((e) => e.part), dropped: messages.length - kept.length, rendered, totalTokens: tokens };
}
