import { optionOf, type SamplerSettings } from '../../shared/api/generation.js';
import { PROVIDER_TRAITS } from '../../shared/api/providers.js';
import { alternatingTurns, systemText, type NeutralPrompt } from './neutral-prompt.js';
import { thinkingBudget } from './thinking-budget.js';

type CacheControl = { type: 'ephemeral' };
type TextBlock = { type: 'text'; text: string; cache_control?: CacheControl };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: string | TextBlock[];
  messages: Array<{ role: 'user' | 'assistant'; content: string | TextBlock[] }>;
  stream: true;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  thinking?: { type: 'enabled'; budget_tokens: number };
}

const EPHEMERAL: CacheControl = { type: 'ephemeral' };

/**
 * The body of a streaming POST {baseUrl}/messages (Anthropic's Messages API), a pure function of the prompt and the
 * profile. The system parts become `system`; the rest alternates user/assistant (see alternatingTurns); the prefill
 * is the closing assistant turn. Prompt caching marks the system prompt and the history at `cache_depth` (and two
 * turns further back, so the next reply still reads the previous breakpoint), counted from the newest user turn as
 * SillyTavern counts it. Extended thinking asks for a budget on top of the response length; Anthropic takes no
 * temperature, top_k or prefill with it, so those are left out — and a prefill (a continued reply) wins over thinking.
 */
export function anthropicRequestBody(prompt: NeutralPrompt, model: string, settings: SamplerSettings, extraStop: readonly string[]): AnthropicRequestBody {
  const turns = alternatingTurns(prompt);
  const prefilled = turns.at(-1)?.role === 'assistant';
  const budget = prefilled ? null : thinkingBudget(settings);
  const marked = cachedTurns(turns.map((t) => t.role), optionOf(settings, 'cache_depth'));
  const messages = turns.map((turn, i) => ({
    role: turn.role,
    content: marked.has(i) ? [{ type: 'text' as const, text: turn.text, cache_control: EPHEMERAL }] : turn.text,
  }));
  const system = systemText(prompt);
  const stop = [...new Set([...extraStop, ...settings.stop])].filter((s) => s.trim() !== '').slice(0, PROVIDER_TRAITS.anthropic.maxStop);
  return {
    model,
    max_tokens: settings.max_tokens + (budget ?? 0),
    ...(system && { system: optionOf(settings, 'cache_system_prompt') ? [{ type: 'text', text: system, cache_control: EPHEMERAL }] : system }),
    messages,
    stream: true,
    ...(budget === null
      ? {
          // Anthropic's temperature runs 0..1; newer models refuse temperature and top_p together, so top_p goes only when set.
          temperature: Math.min(settings.temperature, 1),
          ...(settings.top_p < 1 && { top_p: settings.top_p }),
          ...(settings.top_k > 0 && { top_k: settings.top_k }),
        }
      : { thinking: { type: 'enabled' as const, budget_tokens: budget } }),
    ...(stop.length > 0 && { stop_sequences: stop }),
  };
}

/** The indexes of the turns that get a cache breakpoint: depth d and d + 2, skipping a closing prefill. */
export function cachedTurns(roles: ReadonlyArray<'user' | 'assistant'>, depth: number): Set<number> {
  const marked = new Set<number>();
  if (depth < 0) return marked;
  let end = roles.length - 1;
  if (roles[end] === 'assistant') end -= 1;
  // Turns alternate, so each one is one level deeper than the turn after it.
  for (const d of [depth, depth + 2]) {
    const i = end - d;
    if (i >= 0) marked.add(i);
  }
  return marked;
}
