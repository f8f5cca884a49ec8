import { optionOf, type ReasoningEffort, type SamplerSettings } from '../../shared/api/generation.js';

/** Anthropic refuses a thinking budget under 1024 tokens; Gemini takes that much too. */
export const MIN_THINKING_BUDGET = 1024;

/** Share of the response length each effort thinks for, as SillyTavern derives Claude's budget. */
const EFFORT_SHARE: Record<Exclude<ReasoningEffort, 'auto' | 'off' | 'minimal'>, number> = { low: 0.1, medium: 0.25, high: 0.5 };

/**
 * The thinking tokens to ask for: the profile's thinking_budget when set, else a share of the response length;
 * null when the effort is auto or off (nothing asked). The reply's own length is not cut by it: the request's
 * token limit is the response length plus this budget.
 */
export function thinkingBudget(settings: SamplerSettings): number | null {
  const effort = optionOf(settings, 'reasoning_effort');
  if (effort === 'auto' || effort === 'off') return null;
  const set = optionOf(settings, 'thinking_budget');
  if (set > 0) return Math.max(set, MIN_THINKING_BUDGET);
  if (effort === 'minimal') return MIN_THINKING_BUDGET;
  return Math.max(MIN_THINKING_BUDGET, Math.floor(settings.max_tokens * EFFORT_SHARE[effort]));
}
